import type { GrantRequest, PublishedQuest, RewardItem } from '@questline/contracts';
import type { Transaction } from 'kysely';
import type { ProgressDatabase } from '../db/schema.js';
import type { CatalogSnapshot } from '../clients/catalog-cache.js';
import { evaluate, type AttributeValue, type Outcome, type QuestState } from '../domain/evaluate.js';
import { adoptVersion } from '../domain/quest-version.js';
import { questGrant } from '../domain/grant.js';
import { replayQuest } from '../domain/replay.js';
import { insertEvents, listEventsOfType } from '../db/events.repository.js';
import { listStatesOf, lockUsers, upsertStates, type StateRow } from '../db/user-quests.repository.js';
import { insertCompletions, type NewCompletion } from '../db/completions.repository.js';
import { enqueueGrants } from '../db/outbox.repository.js';

export interface IncomingEvent {
  id: string;
  type: string;
  value?: number;
  attributes?: Record<string, AttributeValue>;
  occurredAt: Date;
}

export interface QuestResult {
  quest: PublishedQuest;
  outcome: Outcome;
}

export interface AppliedEvent {
  eventId: string;
  duplicate: boolean;
  /** Every published quest whose objective listens to the event's type. */
  results: QuestResult[];
  rewarded: Array<{ questKey: string; items: RewardItem[] }>;
  /** The user's quest states right after this event (only when asked for: single-event answers). */
  statesAfter?: Map<string, QuestState>;
}

/** One user's events, applied in the given order, with the zone their days are computed in. */
export interface UserEvents {
  userId: string;
  timezone: string;
  events: IncomingEvent[];
}

export interface UserApplyResult {
  userId: string;
  applied: AppliedEvent[];
  /** The user's quest states after the last event. */
  states: Map<string, QuestState>;
  /** Grants queued (auto-claimed completions). */
  grants: number;
  /** One entry per completion recorded, by quest key. */
  completedKeys: string[];
}

const keyOf = (userId: string, eventId: string) => `${userId}\u0000${eventId}`;

/**
 * Applies the events of one or more users inside the caller's transaction, each user's in the
 * given order. The users' advisory locks (taken in id order, so concurrent transactions never
 * deadlock on each other) make concurrent transactions for the same user queue up instead of
 * losing updates; the events' primary key makes a repeated id a no-op; completions, claims of
 * auto-claim quests and their grant outbox rows commit together with the progress that earned them.
 * Statements are shared across events and users (one insert of all events, one of all completions,
 * one of all grants, one upsert of all states), which is what makes batches and group commits cheap.
 *
 * A late event (older than the day or period a quest's state has reached) triggers a replay of
 * that quest from the user's history in time order, so streaks and daily counts come out as if it
 * had arrived on time; completions already earned are never taken back (domain/replay.ts).
 */
export async function applyEvents(
  trx: Transaction<ProgressDatabase>,
  catalog: CatalogSnapshot,
  users: UserEvents[],
  opts: { snapshots?: boolean } = {},
): Promise<UserApplyResult[]> {
  const userIds = [...new Set(users.map((u) => u.userId))].sort();
  const now = await lockUsers(trx, userIds);
  const statesByUser = await listStatesOf(trx, userIds);
  const inserted = await insertEvents(
    trx,
    users.flatMap((u) =>
      u.events.map((e) => ({
        userId: u.userId,
        id: e.id,
        type: e.type,
        value: e.value ?? null,
        attributes: e.attributes ?? {},
        occurredAt: e.occurredAt,
        zone: u.timezone,
      })),
    ),
  );
  // Events stored by this transaction but not applied yet: a replay must not count them early.
  const pending = new Set(inserted);
  const completions: NewCompletion[] = [];
  const grants: GrantRequest[] = [];
  // A user may come more than once (two single events in one group commit): one row per quest.
  const dirtyByUser = new Map<string, Set<string>>();
  const results: UserApplyResult[] = [];

  for (const { userId, timezone, events } of users) {
    const states = statesByUser.get(userId) ?? new Map<string, QuestState>();
    statesByUser.set(userId, states);
    const dirty = dirtyByUser.get(userId) ?? new Set<string>();
    dirtyByUser.set(userId, dirty);
    const result: UserApplyResult = { userId, applied: [], states, grants: 0, completedKeys: [] };

    for (const event of events) {
      const key = keyOf(userId, event.id);
      if (!pending.delete(key)) {
        result.applied.push({ eventId: event.id, duplicate: true, results: [], rewarded: [] });
        continue;
      }
      // Prerequisites are judged on the state before this event, so the result does not
      // depend on the order in which quests are evaluated.
      const before = new Map([...states].map(([k, s]) => [k, s.completions]));
      const completionsOf = (k: string) => before.get(k) ?? 0;
      const questResults: QuestResult[] = [];
      const rewarded: AppliedEvent['rewarded'] = [];
      const questEvent = { ...event, zone: timezone };

      for (const quest of catalog.byEvent.get(event.type) ?? []) {
        const found = states.get(quest.key);
        const stored = found ? adoptVersion(quest, found, now) : null;
        let { state, outcome } = evaluate({ quest, state: stored, event: questEvent, timezone, completionsOf, now });
        let earned: Array<{ number: number; completedAt: Date }> = [];
        if (outcome.kind === 'ignored' && (outcome.reason === 'stale-day' || outcome.reason === 'stale-period')) {
          // A late event: recompute this quest from the history its counter counts, in time order.
          const all = await listEventsOfType(trx, userId, quest.objective.event, stored?.countingSince ?? null);
          const history = all.filter((e) => !pending.has(keyOf(userId, e.id)));
          const replay = replayQuest(quest, stored, history, timezone, completionsOf);
          state = replay.state;
          earned = replay.newCompletions;
          const last = earned.at(-1);
          outcome = last ? { kind: 'completed', completion: last.number, autoClaimed: quest.autoClaim } : { kind: 'progressed' };
        } else if (outcome.kind === 'completed') {
          earned = [{ number: outcome.completion, completedAt: event.occurredAt }];
        }
        questResults.push({ quest, outcome });
        if (outcome.kind === 'ignored') continue;
        states.set(quest.key, state);
        dirty.add(quest.key);

        for (const completion of earned) {
          result.completedKeys.push(quest.key);
          completions.push({
            userId,
            questKey: quest.key,
            number: completion.number,
            questVersion: quest.version,
            reward: quest.reward,
            completedAt: completion.completedAt,
            claimedAt: quest.autoClaim ? now : null,
          });
          if (quest.autoClaim) {
            grants.push(questGrant(userId, quest.key, completion.number, quest.reward));
            rewarded.push({ questKey: quest.key, items: quest.reward.items });
            result.grants++;
          }
        }
      }
      result.applied.push({
        eventId: event.id,
        duplicate: false,
        results: questResults,
        rewarded,
        ...(opts.snapshots ? { statesAfter: new Map(states) } : {}),
      });
    }
    results.push(result);
  }

  const stateRows: StateRow[] = [];
  for (const [userId, dirty] of dirtyByUser) {
    for (const questKey of dirty) stateRows.push({ userId, questKey, state: statesByUser.get(userId)!.get(questKey)! });
  }

  await insertCompletions(trx, completions);
  await enqueueGrants(trx, grants);
  await upsertStates(trx, stateRows);
  return results;
}
