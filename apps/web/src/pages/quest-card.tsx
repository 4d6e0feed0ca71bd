import type { Objective, QuestView } from '../api/types';
import { ClockIcon, FlameIcon } from '../components/icons';
import { ProgressBar } from '../components/progress-bar';
import { addDays, formatCountdown, plural } from '../lib/format';
import { barValue, completionsText, dayText, humanize, lockText, objectiveText, payText } from '../lib/quest-text';

export interface CardAction {
  busy: boolean;
  message?: { kind: 'success' | 'error'; text: string };
}

const statusLabel: Record<QuestView['status'], string> = {
  claimable: 'Ready to claim',
  active: 'In progress',
  completed: 'Done for this period',
  locked: 'Locked',
  maxed: 'All completions done',
};

function Streak({ streak, target }: { streak: NonNullable<QuestView['streak']>; target: number }) {
  const days = Array.from({ length: Math.max(target, streak.current) }, (_, i) => {
    const filled = i < streak.current;
    const date = filled && streak.lastDay ? addDays(streak.lastDay, i - (streak.current - 1)) : null;
    return { filled, key: date ?? `day-${i}`, label: date ? dayText(date) : `day ${i + 1}`, today: date !== null && i === streak.current - 1 };
  });
  return (
    <div class="streak" data-testid="streak">
      <p>
        <FlameIcon />{' '}
        Streak: <strong data-testid="streak-current">{plural(streak.current, 'day')}</strong> · best {plural(streak.best, 'day')}
        {streak.lastDay ? (
          <>
            {' '}
            · last day <time dateTime={streak.lastDay}>{dayText(streak.lastDay)}</time>
          </>
        ) : null}
      </p>
      <ol class="streak-days" aria-label="Streak days">
        {days.map((d) => (
          <li key={d.key} class={d.filled ? (d.today ? 'day day-done day-last' : 'day day-done') : 'day'}>
            <span class="visually-hidden">{d.filled ? 'done: ' : 'to do: '}</span>
            {d.label}
          </li>
        ))}
      </ol>
    </div>
  );
}

function Countdown({ endsAt, now }: { endsAt: string; now: number }) {
  const left = new Date(endsAt).getTime() - now;
  return (
    <p class="countdown">
      <ClockIcon />{' '}
      Period ends in <time dateTime={endsAt}>{formatCountdown(left)}</time>
    </p>
  );
}

/** Progress is possible while active, and while claimable unless every completion is used up. */
function canProgress(v: QuestView): boolean {
  if (v.status === 'active') return true;
  return v.status === 'claimable' && (v.maxCompletions === null || v.completions < v.maxCompletions);
}

export function QuestCard({
  view,
  now,
  action,
  onRecord,
  onClaim,
}: {
  view: QuestView;
  now: number;
  action: CardAction | undefined;
  onRecord: (objective: Objective) => void;
  onClaim: () => void;
}) {
  const { quest, objective, reward } = view;
  const headingId = `quest-${quest.key}`;
  const locked = lockText(view, now);
  const pays = reward ? payText(reward) : '';
  const counts = [completionsText(view), view.claimable > 0 ? `${view.claimable} to claim` : ''].filter(Boolean).join(' · ');
  return (
    <article class={`quest quest-${view.status}`} aria-labelledby={headingId} data-quest={quest.key}>
      <header class="quest-head">
        <h3 id={headingId}>{quest.name}</h3>
        <span class={`badge badge-${view.status}`}>{statusLabel[view.status]}</span>
      </header>
      {quest.description ? <p class="quest-description">{quest.description}</p> : null}
      {objective ? (
        <p class="quest-objective" data-testid="quest-objective">
          To do: {objectiveText(objective)}
        </p>
      ) : null}
      {pays ? (
        <p class="quest-reward" data-testid="quest-reward">
          Pays {pays}
        </p>
      ) : null}
      {locked ? (
        <p class="quest-lock" data-testid="quest-lock">
          {locked}
        </p>
      ) : null}
      <ProgressBar value={barValue(view)} max={view.target} label={`${quest.name} progress`} />
      {counts ? <p class="quest-meta">{counts}</p> : null}
      {view.streak ? <Streak streak={view.streak} target={view.target} /> : null}
      {view.periodEndsAt ? <Countdown endsAt={view.periodEndsAt} now={now} /> : null}
      <div class="actions">
        {view.claimable > 0 ? (
          <button type="button" class="btn btn-primary" disabled={action?.busy} onClick={onClaim} aria-label={`Claim ${quest.name}`}>
            {action?.busy ? 'Claiming…' : 'Claim reward'}
          </button>
        ) : null}
        {/* Only types players may report get a button: the rest (login first of all) come from servers and would be refused. */}
        {canProgress(view) && view.reportable && objective ? (
          <button type="button" class="btn" disabled={action?.busy} onClick={() => onRecord(objective)} data-record={objective.event}>
            Record “{humanize(objective.event)}”
          </button>
        ) : null}
      </div>
      {action?.message ? (
        <p class={`card-message card-message-${action.message.kind}`} role={action.message.kind === 'error' ? 'alert' : 'status'}>
          {action.message.text}
        </p>
      ) : null}
    </article>
  );
}
