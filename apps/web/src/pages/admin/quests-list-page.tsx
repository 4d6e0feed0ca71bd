import { AdminList } from '../../components/admin-list';
import { useState } from 'preact/hooks';
import { confirmAction, type Confirmation } from '../../components/confirm-dialog';
import { api } from '../../api/client';
import type { Quest, QuestStatus } from '../../api/types';
import { usePagedList } from '../../components/paged-list';
import { ErrorBox, Notice } from '../../components/status';
import { Link, navigate, usePath } from '../../lib/router';

const filters: { value: '' | QuestStatus; label: string }[] = [
  { value: '', label: 'All' },
  { value: 'draft', label: 'Drafts' },
  { value: 'published', label: 'Published' },
  { value: 'archived', label: 'Archived' },
];

const publishing = (q: Quest): Confirmation => ({
  title: `Publish “${q.name}”?`,
  body:
    q.status === 'archived'
      ? `Players see ${q.key} again within seconds and can make progress on it; what they earned before stays.`
      : `Players see ${q.key} within seconds and their events start counting toward it. A published quest can be edited (a new version) or archived, not deleted.`,
  confirmLabel: 'Publish',
});
const archiving = (q: Quest): Confirmation => ({
  title: `Archive “${q.name}”?`,
  body: `${q.key} leaves players' quest lists and stops counting events. Rewards already earned and not yet claimed stay claimable; you can publish it again later.`,
  confirmLabel: 'Archive',
  danger: true,
});
const deleting = (q: Quest): Confirmation => ({
  title: `Delete the draft “${q.name}”?`,
  body: `${q.key} is removed for good. No player has seen it.`,
  confirmLabel: 'Delete',
  danger: true,
});

async function confirmed(c: Confirmation, then: () => Promise<void>): Promise<void> {
  if (await confirmAction(c)) await then();
}

function QuestRow({ quest, onChanged }: { quest: Quest; onChanged: (text: string) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const act = async (method: string, suffix: string, done: string) => {
    setBusy(true);
    setError(null);
    try {
      await api(method, `/admin/quests/${encodeURIComponent(quest.key)}${suffix}`);
      onChanged(done);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const o = quest.objective;
  return (
    <li class="admin-item" data-quest={quest.key}>
      <div class="admin-item-main">
        <h3>
          {quest.name} <code>{quest.key}</code>
        </h3>
        <p>
          <span class={`badge badge-${quest.status}`}>{quest.status}</span> v{quest.version} · {o.mode} {o.target} × “{o.event}” · repeat {quest.repeat}
          {quest.autoClaim ? ' · auto-claim' : ''}
        </p>
      </div>
      <div class="actions">
        <Link class="btn btn-small" href={`/admin/quests/${encodeURIComponent(quest.key)}/edit`} aria-label={`Edit ${quest.key}`}>
          Edit
        </Link>
        {quest.status !== 'published' ? (
          <button type="button" class="btn btn-small btn-primary" disabled={busy} aria-label={`Publish ${quest.key}`} onClick={() => void confirmed(publishing(quest), () => act('POST', '/publish', `Published ${quest.key}.`))}>
            Publish
          </button>
        ) : (
          <button type="button" class="btn btn-small" disabled={busy} aria-label={`Archive ${quest.key}`} onClick={() => void confirmed(archiving(quest), () => act('POST', '/archive', `Archived ${quest.key}.`))}>
            Archive
          </button>
        )}
        {quest.status === 'draft' ? (
          <button
            type="button"
            class="btn btn-small btn-danger"
            disabled={busy}
            aria-label={`Delete ${quest.key}`}
            onClick={() => void confirmed(deleting(quest), () => act('DELETE', '', `Deleted ${quest.key}.`))}
          >
            Delete
          </button>
        ) : null}
      </div>
      {error ? <ErrorBox error={error} title="Action failed" /> : null}
    </li>
  );
}

export function AdminQuestsPage() {
  const { params } = usePath();
  const status = (params.get('status') ?? '') as '' | QuestStatus;
  const [flash, setFlash] = useState<string | null>(params.get('saved') ? `Saved ${params.get('saved')}.` : null);
  const list = usePagedList<Quest>('/admin/quests', { limit: 50, status: status || undefined }, [status]);

  return (
    <>
      <div class="toolbar">
        <label for="status-filter">Status</label>
        <select
          id="status-filter"
          value={status}
          onChange={(e) => navigate(`/admin/quests${e.currentTarget.value ? `?status=${e.currentTarget.value}` : ''}`, { replace: true })}
        >
          {filters.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
        <Link class="btn btn-primary" href="/admin/quests/new">
          New quest
        </Link>
      </div>
      {flash ? <Notice kind="success">{flash}</Notice> : null}
      <AdminList
        list={list}
        label="Quests"
        loading="Loading quests…"
        empty={`No quests${status ? ` with status ${status}` : ''}.`}
        row={(q) => (
          <QuestRow
            key={q.key}
            quest={q}
            onChanged={(text) => {
              setFlash(text);
              void list.first.reload(true);
            }}
          />
        )}
      />
    </>
  );
}
