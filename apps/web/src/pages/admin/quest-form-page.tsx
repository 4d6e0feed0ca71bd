import { useRef, useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Page, Quest, Reward } from '../../api/types';
import { browserTimezone } from '../../api/auth';
import { payText } from '../../lib/quest-text';
import { PrerequisitePicker } from './prerequisite-picker';
import { apiFieldErrors } from '../../lib/use-form-submit';
import { Field, type FieldErrors } from '../../components/field';
import { Async, ErrorBox } from '../../components/status';
import { Link, navigate } from '../../lib/router';
import { type AsyncState, useAsync } from '../../lib/use-async';
import { buildQuestBody, emptyQuestForm, formFieldOf, formFromQuest, NO_REWARD_PICKED, questFields, type QuestFormValues } from './quest-form';

const idOf = (field: string) => `quest-${field.replace('.', '-')}`;
const ZONE = browserTimezone();

function rewardLabel(r: Reward): string {
  const items = r.items.map((i) => `${i.amount} ${i.currency}`).join(' + ');
  return `${r.name} (${items}${r.xp ? `, ${r.xp} XP` : ''})`;
}

export function QuestFormPage({ questKey }: { questKey?: string | undefined }) {
  const rewards = useAsync(() => api<Page<Reward>>('GET', '/rewards?limit=200', { auth: false }).then((p) => p.items), []);
  const existing = useAsync(
    () => (questKey ? api<{ quest: Quest }>('GET', `/quests/${encodeURIComponent(questKey)}`).then((r) => r.quest) : Promise.resolve(null)),
    [questKey],
  );
  return (
    <Async state={existing} label="Loading the quest…">
      {(quest) => <QuestForm quest={quest} rewards={rewards} />}
    </Async>
  );
}

function QuestForm({ quest, rewards }: { quest: Quest | null; rewards: AsyncState<Reward[]> }) {
  const [v, setV] = useState<QuestFormValues>(quest ? formFromQuest(quest) : emptyQuestForm);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const summaryRef = useRef<HTMLDivElement>(null);
  const set = <K extends keyof QuestFormValues>(k: K, value: QuestFormValues[K]) => setV((s) => ({ ...s, [k]: value }));

  // No reward is picked for the admin: a quest pays what they chose, never a silent default.
  const picked = rewards.data?.find((r) => r.id === v.rewardId);

  async function submit(e: Event) {
    e.preventDefault();
    setErrors({});
    setFormError(null);
    const built = buildQuestBody(v, !quest);
    if (!built.ok) return setErrors({ [built.field]: built.message });
    setBusy(true);
    try {
      const saved = quest
        ? await api<{ quest: Quest }>('PUT', `/admin/quests/${encodeURIComponent(quest.key)}`, { body: built.body })
        : await api<{ quest: Quest }>('POST', '/admin/quests', { body: built.body });
      navigate(`/admin/quests?saved=${encodeURIComponent(saved.quest.key)}`);
    } catch (err) {
      const fields = apiFieldErrors(err, formFieldOf);
      if (fields?.rewardId && !v.rewardId) fields.rewardId = NO_REWARD_PICKED;
      if (fields) {
        setErrors(fields);
        // Take the keyboard to the first field to fix.
        const first = questFields.find((f) => f in fields) ?? Object.keys(fields)[0]!;
        queueMicrotask(() => document.getElementById(idOf(first))?.focus());
      } else {
        setFormError(err as Error);
        queueMicrotask(() => summaryRef.current?.focus());
      }
      setBusy(false);
    }
  }

  const text = (field: keyof QuestFormValues & string, apiField: string, label: string, hint?: string, type = 'text') => (
    <Field id={idOf(apiField)} label={label} error={errors[apiField]} hint={hint}>
      {(c) => <input {...c} name={apiField} type={type} value={v[field] as string} onInput={(e) => set(field, e.currentTarget.value as never)} />}
    </Field>
  );

  return (
    <form class="card quest-form" onSubmit={submit} aria-label={quest ? `Edit quest ${quest.key}` : 'New quest'} noValidate>
      <div ref={summaryRef} tabIndex={-1}>
        {Object.keys(errors).length ? (
          <div class="notice notice-danger" role="alert">
            The quest was not saved: fix the field marked below.
          </div>
        ) : null}
        {formError ? <ErrorBox error={formError} title="The quest was not saved" /> : null}
      </div>
      {quest ? (
        <p>
          Status <span class={`badge badge-${quest.status}`}>{quest.status}</span>, version {quest.version}. Saving a published quest makes a new
          version; progress already earned stays.
        </p>
      ) : null}
      <fieldset>
        <legend>Quest</legend>
        {quest ? null : text('key', 'key', 'Key', 'Lower-case letters, digits and dashes; cannot change later')}
        {text('name', 'name', 'Name')}
        <Field id={idOf('description')} label="Description" error={errors.description}>
          {(c) => <textarea {...c} name="description" rows={3} value={v.description} onInput={(e) => set('description', e.currentTarget.value)} />}
        </Field>
        {text('tags', 'tags', 'Tags', 'Comma-separated')}
      </fieldset>
      <fieldset>
        <legend>Objective</legend>
        {text('event', 'objective.event', 'Event type', 'The event your app sends, e.g. login, match_won')}
        <Field id={idOf('objective.mode')} label="Mode" error={errors['objective.mode']}>
          {(c) => (
            <select {...c} name="objective.mode" value={v.mode} onChange={(e) => set('mode', e.currentTarget.value as QuestFormValues['mode'])}>
              <option value="count">count: number of events</option>
              <option value="sum">sum: event values add up</option>
              <option value="streak">streak: consecutive days</option>
            </select>
          )}
        </Field>
        {text('target', 'objective.target', 'Target', undefined, 'number')}
        <Field id={idOf('objective.filter')} label="Filter (optional)" error={errors['objective.filter']} hint="One attribute=value per line">
          {(c) => <textarea {...c} name="objective.filter" rows={2} value={v.filter} onInput={(e) => set('filter', e.currentTarget.value)} />}
        </Field>
      </fieldset>
      <fieldset>
        <legend>Reward and rules</legend>
        <Field id={idOf('rewardId')} label="Reward" error={errors.rewardId ?? (rewards.error ? 'Rewards could not be loaded.' : undefined)}>
          {(c) => (
            <select {...c} name="rewardId" value={v.rewardId} onChange={(e) => set('rewardId', e.currentTarget.value)}>
              <option value="">{rewards.loading ? 'Loading rewards…' : 'Choose a reward'}</option>
              {(rewards.data ?? []).map((r) => (
                <option key={r.id} value={r.id}>
                  {rewardLabel(r)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <p class="field-hint" data-testid="reward-pays">
          {picked ? `Each completion pays ${payText(picked) || 'nothing'}. ` : 'No reward chosen yet. '}
          Missing one? <Link href="/admin/rewards">Create a reward</Link>.
        </p>
        <div class="field field-check">
          <input id={idOf('autoClaim')} type="checkbox" name="autoClaim" checked={v.autoClaim} onChange={(e) => set('autoClaim', e.currentTarget.checked)} />
          <label for={idOf('autoClaim')}>Pay the reward automatically on completion</label>
        </div>
        {text('maxCompletions', 'maxCompletions', 'Max completions', 'Empty for unlimited', 'number')}
        <Field id={idOf('repeat')} label="Repeat" error={errors.repeat}>
          {(c) => (
            <select {...c} name="repeat" value={v.repeat} onChange={(e) => set('repeat', e.currentTarget.value as QuestFormValues['repeat'])}>
              <option value="none">never (once overall)</option>
              <option value="daily">daily</option>
              <option value="weekly">weekly</option>
            </select>
          )}
        </Field>
        {text('startsAt', 'startsAt', 'Starts at (optional)', `In this browser's timezone, ${ZONE}; players everywhere see it open at that instant.`, 'datetime-local')}
        {text('endsAt', 'endsAt', 'Ends at (optional)', `In this browser's timezone, ${ZONE}.`, 'datetime-local')}
        <PrerequisitePicker id={idOf('prerequisites')} self={quest?.key ?? null} value={v.prerequisites} onChange={(keys) => set('prerequisites', keys)} error={errors.prerequisites} />
      </fieldset>
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? 'Saving…' : quest ? 'Save changes' : 'Create draft'}
        </button>
        <Link class="btn btn-ghost" href="/admin/quests">
          Cancel
        </Link>
      </div>
    </form>
  );
}
