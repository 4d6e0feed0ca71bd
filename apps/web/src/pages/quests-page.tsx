import { useState } from 'preact/hooks';
import { ApiError, call, newKey } from '../api/client';
import type { StreamMode } from '../api/live-stream';
import type { Objective, QuestView, QuestViewStatus, User } from '../api/types';
import { promiseCredits } from '../components/balances';
import { StarIcon } from '../components/icons';
import { Async, errorText } from '../components/status';
import { ToastRegion } from '../components/toasts';
import { humanize, payText } from '../lib/quest-text';
import { useNow } from '../lib/use-async';
import { useLiveQuests } from '../lib/use-live-quests';
import { type CardAction, QuestCard } from './quest-card';

const groups: { status: QuestViewStatus; title: string }[] = [
  { status: 'claimable', title: 'Ready to claim' },
  { status: 'active', title: 'In progress' },
  { status: 'completed', title: 'Completed for now' },
  { status: 'locked', title: 'Locked' },
  { status: 'maxed', title: 'Maxed out' },
];

const liveText: Record<StreamMode, string> = {
  connecting: 'Connecting…',
  live: 'Live updates on',
  reconnecting: 'Reconnecting…',
  polling: 'Refreshing every few seconds',
};

/** A player in their first day: the page says how it works. */
function isNewcomer(user: User, now: number): boolean {
  return now - Date.parse(user.createdAt) < 24 * 3600_000;
}

export function QuestsPage({ user }: { user: User }) {
  const { quests, mode, toasts, dismissToast, refresh } = useLiveQuests();
  const [actions, setActions] = useState<Record<string, CardAction>>({});
  const now = useNow(1000);
  // An action's outcome arrives on the stream (its `quest` and `reward` events); without one, ask.
  const afterAction = () => {
    if (mode !== 'live') refresh();
  };

  const setAction = (key: string, a: CardAction) => setActions((s) => ({ ...s, [key]: a }));

  async function record(view: QuestView, objective: Objective) {
    const key = view.quest.key;
    setAction(key, { busy: true });
    try {
      // Our own id (randomUUID needs a secure context): the SDK may send it again, and it counts once.
      const event = {
        id: newKey('web'),
        type: objective.event,
        ...(objective.mode === 'sum' ? { value: 1 } : {}),
        ...(objective.filter ? { attributes: objective.filter } : {}),
      };
      const res = await call((ql) => ql.sendEvent(event));
      const mine = res.updates.find((u) => u.questKey === key);
      const done = res.completed.includes(key);
      const what = humanize(objective.event);
      const text = done ? `Recorded “${what}”: quest completed!` : `Recorded “${what}”${mine ? `: ${mine.progress} / ${mine.target}` : ''}.`;
      setAction(key, { busy: false, message: { kind: 'success', text } });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'USER_BANNED') return;
      setAction(key, { busy: false, message: { kind: 'error', text: `Could not record the event: ${errorText(err as Error)}` } });
    }
    afterAction();
  }

  async function claim(view: QuestView) {
    const key = view.quest.key;
    setAction(key, { busy: true });
    try {
      const res = await call((ql) => ql.claim(key));
      // Show the reward at once; /me catches up when the payment lands.
      promiseCredits(user.balances, res.rewarded.items);
      setAction(key, { busy: false, message: { kind: 'success', text: `Claimed ${payText(res.rewarded) || 'nothing'}.` } });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'USER_BANNED') return;
      const text = err instanceof ApiError && err.code === 'NOTHING_TO_CLAIM' ? 'Nothing left to claim.' : `Could not claim: ${errorText(err as Error)}`;
      setAction(key, { busy: false, message: { kind: 'error', text } });
    }
    afterAction();
  }

  return (
    <>
      <section class="card summary" aria-labelledby="summary-title">
        {/* The balances are in the top bar, once; here what they do not show. */}
        <h2 id="summary-title">Your progress</h2>
        <ul class="summary-list" data-testid="summary">
          <li>
            <StarIcon />{' '}
            {user.xp} XP
          </li>
          {user.badges.length ? <li>Badges: {user.badges.join(', ')}</li> : null}
        </ul>
        {/* A live page refreshes itself; the button is for when it cannot. */}
        {mode === 'live' ? null : (
          <button type="button" class="btn btn-small btn-ghost" onClick={refresh}>
            Refresh
          </button>
        )}
        <p class="live-state" data-stream={mode}>
          {liveText[mode]}
        </p>
      </section>
      <ToastRegion toasts={toasts} onDismiss={dismissToast} />
      <Async state={quests} label="Loading your quests…">
        {(items) =>
          items.length === 0 ? (
            <section class="card empty-state" data-testid="no-quests">
              <h2>No quests yet</h2>
              <p>There is nothing to do here for now. New quests appear on this page by themselves as soon as they are published.</p>
            </section>
          ) : (
            <>
              {isNewcomer(user, now) ? (
                <section class="card empty-state" data-testid="welcome" aria-labelledby="welcome-title">
                  <h2 id="welcome-title">Welcome, {user.username}!</h2>
                  <p>
                    Each card says what to do and what it pays. Rewards land in your balance at the top, by themselves or when you press
                    <em> Claim reward</em>; this page updates as it happens.
                  </p>
                </section>
              ) : null}
              {groups.map((g) => {
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
                        now={now}
                        action={actions[v.quest.key]}
                        onRecord={(o) => void record(v, o)}
                        onClaim={() => void claim(v)}
                      />
                    ))}
                  </div>
                </section>
              );
              })}
            </>
          )
        }
      </Async>
    </>
  );
}
