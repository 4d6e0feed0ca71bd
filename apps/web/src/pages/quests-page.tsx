import { useState } from 'preact/hooks';
import { reloadMe } from '../api/auth';
import { api, ApiError, newKey, query } from '../api/client';
import type { ClaimResult, EventResult, Objective, Page, Quest, QuestView, QuestViewStatus, User } from '../api/types';
import { promiseCredits, useDisplayedBalances } from '../components/balances';
import { Amount, StarIcon } from '../components/icons';
import { Async, errorText } from '../components/status';
import { useAsync, useInterval, useNow } from '../lib/use-async';
import { type CardAction, QuestCard } from './quest-card';

const groups: { status: QuestViewStatus; title: string }[] = [
  { status: 'claimable', title: 'Ready to claim' },
  { status: 'active', title: 'In progress' },
  { status: 'completed', title: 'Completed for now' },
  { status: 'locked', title: 'Locked' },
  { status: 'maxed', title: 'Maxed out' },
];

/** How often the page refreshes itself: rewards and newly published quests arrive asynchronously. */
const POLL_MS = 4000;

/** The objectives of the published quests (GET /me/quests does not carry them). */
async function publishedObjectives(): Promise<Map<string, Objective>> {
  const map = new Map<string, Objective>();
  let cursor: string | null = null;
  // A few pages at most: enough for any catalog a person would scroll through.
  for (let i = 0; i < 10; i++) {
    const page: Page<Quest> = await api<Page<Quest>>('GET', `/quests${query({ limit: 200, cursor })}`, { auth: false });
    for (const q of page.items) map.set(q.key, q.objective);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return map;
}

function itemsText(items: { currency: string; amount: number }[]): string {
  return items.map((i) => `+${i.amount} ${i.currency}`).join(', ') || 'nothing';
}

export function QuestsPage({ user }: { user: User }) {
  const quests = useAsync(() => api<{ items: QuestView[] }>('GET', '/me/quests').then((r) => r.items), []);
  const objectives = useAsync(publishedObjectives, []);
  const [actions, setActions] = useState<Record<string, CardAction>>({});
  const now = useNow(1000);
  const shown = useDisplayedBalances(user.balances);

  const refresh = () => {
    void quests.reload(true);
    void reloadMe().catch(() => undefined);
    const known = objectives.data;
    if (!known || quests.data?.some((v) => !known.has(v.quest.key))) void objectives.reload(true);
  };
  useInterval(refresh, POLL_MS);

  const setAction = (key: string, a: CardAction) => setActions((s) => ({ ...s, [key]: a }));

  async function record(view: QuestView, objective: Objective) {
    const key = view.quest.key;
    setAction(key, { busy: true });
    try {
      const body: Record<string, unknown> = { id: newKey('web'), type: objective.event };
      if (objective.mode === 'sum') body.value = 1;
      if (objective.filter) body.attributes = objective.filter;
      const res = await api<EventResult>('POST', '/events', { body });
      const mine = res.updates.find((u) => u.questKey === key);
      const done = res.completed.includes(key);
      const text = done ? `Recorded “${objective.event}”: quest completed!` : `Recorded “${objective.event}”${mine ? `: ${mine.progress} / ${mine.target}` : ''}.`;
      setAction(key, { busy: false, message: { kind: 'success', text } });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'USER_BANNED') return;
      setAction(key, { busy: false, message: { kind: 'error', text: `Could not record the event: ${errorText(err as Error)}` } });
    }
    refresh();
  }

  async function claim(view: QuestView) {
    const key = view.quest.key;
    setAction(key, { busy: true });
    try {
      const res = await api<ClaimResult>('POST', `/me/quests/${encodeURIComponent(key)}/claim`);
      // Show the reward at once; /me catches up when the payment lands.
      promiseCredits(user.balances, res.rewarded.items);
      setAction(key, { busy: false, message: { kind: 'success', text: `Claimed ${itemsText(res.rewarded.items)}.` } });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'USER_BANNED') return;
      const text = err instanceof ApiError && err.code === 'NOTHING_TO_CLAIM' ? 'Nothing left to claim.' : `Could not claim: ${errorText(err as Error)}`;
      setAction(key, { busy: false, message: { kind: 'error', text } });
    }
    refresh();
  }

  return (
    <>
      <section class="card summary" aria-labelledby="summary-title">
        <h2 id="summary-title">Your rewards</h2>
        <ul class="summary-list" data-testid="summary-balances">
          <li>
            <Amount currency="gold" amount={shown.gold ?? 0} />
          </li>
          <li>
            <Amount currency="diamond" amount={shown.diamond ?? 0} />
          </li>
          <li>
            <StarIcon />{' '}
            {user.xp} XP
          </li>
          {user.badges.length ? <li>Badges: {user.badges.join(', ')}</li> : null}
        </ul>
        <button type="button" class="btn btn-small btn-ghost" onClick={refresh}>
          Refresh
        </button>
      </section>
      {objectives.error && !objectives.data ? (
        <p class="notice notice-warning" role="alert">
          Quest objectives could not be loaded ({errorText(objectives.error)}); recording events is unavailable.
        </p>
      ) : null}
      <Async state={quests} label="Loading your quests…">
        {(items) =>
          items.length === 0 ? (
            <p>No quests are published yet.</p>
          ) : (
            groups.map((g) => {
              const inGroup = items.filter((v) => v.status === g.status);
              if (!inGroup.length) return null;
              return (
                <section key={g.status} class="quest-group" data-group={g.status} aria-labelledby={`group-${g.status}`}>
                  <h2 id={`group-${g.status}`}>
                    {g.title} <span class="count">({inGroup.length})</span>
                  </h2>
                  <div class="quest-grid">
                    {inGroup.map((v) => (
                      <QuestCard
                        key={v.quest.key}
                        view={v}
                        objective={objectives.data?.get(v.quest.key)}
                        now={now}
                        action={actions[v.quest.key]}
                        onRecord={(o) => void record(v, o)}
                        onClaim={() => void claim(v)}
                      />
                    ))}
                  </div>
                </section>
              );
            })
          )
        }
      </Async>
    </>
  );
}
