import type { PublishedQuest } from '@questline/contracts';
import type { Transaction } from 'kysely';
import type { ProgressDatabase } from '../db/schema.js';
import type { CatalogSnapshot } from '../clients/catalog-cache.js';
import type { QuestState } from '../domain/quest-state.js';
import { oneStatement, prepared } from '@questline/platform';
import { insertEventsReadingStates, lockUsers, upsertStatesStatement, type StateRow, type WantedStates } from '../db/user-quests.repository.js';
import { firstCompletionTimes, insertCompletionsStatement } from '../db/completions.repository.js';
import { enqueueGrantsStatement } from '../db/outbox.repository.js';
import { enqueueWebhookMessagesStatement } from '../db/webhook-outbox.repository.js';
import { applyUserEvents } from './apply-user-events.use-case.js';
import { countDailyLimits } from './daily-limits.use-case.js';
import { eventKey, type ApplyTransaction, type UserApplyResult, type UserEvents, type UserInTransaction } from './apply-types.js';

/**
 * First completion times of the prerequisites, for the users that may need them: whose events reach
 * a quest that has prerequisites or is one, and who have completed a prerequisite. One query, and
 * none at all for a catalog without prerequisites (the seed's).
 */
async function loadFirstCompletions(
  trx: Transaction<ProgressDatabase>,
  catalog: CatalogSnapshot,
  lists: UserEvents[],
  statesByUser: Map<string, Map<string, QuestState>>,
): Promise<Map<string, Map<string, Date>>> {
  const { dependents } = catalog;
  if (dependents.size === 0) return new Map();
  const prerequisiteKeys = [...dependents.keys()];
  const involved = (q: PublishedQuest) => q.prerequisites.length > 0 || dependents.has(q.key);
  const userIds = new Set<string>();
  for (const { userId, events } of lists) {
    if (userIds.has(userId)) continue;
    const states = statesByUser.get(userId);
    if (!prerequisiteKeys.some((k) => (states?.get(k)?.completions ?? 0) > 0)) continue;
    if (events.some((e) => (catalog.byEvent.get(e.type) ?? []).some(involved))) userIds.add(userId);
  }
  return firstCompletionTimes(trx, [...userIds], prerequisiteKeys);
}

/** Each user's states the events may touch (CatalogSnapshot.statesRead of their types); every user is a key. */
function wantedStates(catalog: CatalogSnapshot, lists: UserEvents[]): WantedStates {
  const wanted = new Map<string, Set<string>>();
  for (const { userId, events } of lists) {
    let keys = wanted.get(userId);
    if (!keys) wanted.set(userId, (keys = new Set()));
    for (const e of events) for (const key of catalog.statesRead.get(e.type) ?? []) keys.add(key);
  }
  return wanted;
}

/**
 * Applies lists of events of one or more users inside the caller's transaction, each list in its
 * given order. The users' advisory locks (taken in id order, so concurrent transactions never
 * deadlock on each other) make concurrent transactions for the same user queue up instead of
 * losing updates; the events' primary key makes a repeated id a no-op; completions, claims of
 * auto-claim quests, their grant outbox rows and their quest.completed webhook messages commit together
 * with the progress that earned them.
 * Statements are shared across events and users (one insert of all events; the completions, grants,
 * webhook messages and states of all of them written by one statement), which is what makes batches
 * and group commits cheap.
 *
 * Late events (older than the day or period a quest's state has reached) make that quest replay
 * from the user's history in time order, once per list of events (apply-user-events.ts), so
 * streaks and daily counts come out as if they had arrived on time; completions already earned are
 * never taken back (domain/replay.ts). Prerequisites are judged at each event's own time.
 */
export async function applyEvents(
  trx: Transaction<ProgressDatabase>,
  catalog: CatalogSnapshot,
  lists: UserEvents[],
  opts: { snapshots?: boolean } = {},
): Promise<UserApplyResult[]> {
  const userIds = [...new Set(lists.map((u) => u.userId))].sort();
  const now = await lockUsers(trx, userIds);
  // The daily limits are counted before the events are stored (a refused event is not stored).
  const refusedEvents = await countDailyLimits(trx, lists);
  const { states: statesByUser, inserted } = await insertEventsReadingStates(
    trx,
    wantedStates(catalog, lists),
    lists.flatMap((u) =>
      u.events.filter((e) => !refusedEvents.has(eventKey(u.userId, e.id))).map((e) => ({
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
  const firstCompletions = await loadFirstCompletions(trx, catalog, lists, statesByUser);
  const transaction: ApplyTransaction = { db: trx, catalog, now, unappliedEvents: new Set(inserted), refusedEvents, completionsToInsert: [], grantsToQueue: [], webhooksToQueue: [] };

  // A user may come more than once (two single events in one group commit): one part, one row per quest.
  const parts = new Map<string, UserInTransaction>();
  for (const { userId, events } of lists) {
    let part = parts.get(userId);
    if (!part) {
      part = {
        userId,
        states: statesByUser.get(userId) ?? new Map<string, QuestState>(),
        changedQuests: new Set(),
        firstCompleted: firstCompletions.get(userId) ?? new Map(),
        newEventIds: [],
        latestAppliedAt: new Map(),
        latestStoredAt: new Map(),
        latestLockedAt: new Map(),
      };
      parts.set(userId, part);
    }
    for (const e of events) if (inserted.has(eventKey(userId, e.id))) part.newEventIds.push(e.id);
  }

  const results: UserApplyResult[] = [];
  for (const list of lists) results.push(await applyUserEvents(transaction, parts.get(list.userId)!, list, opts.snapshots ?? false));

  const stateRows: StateRow[] = [];
  for (const part of parts.values()) {
    for (const questKey of part.changedQuests) stateRows.push({ userId: part.userId, questKey, state: part.states.get(questKey)! });
  }
  // Every write in one round trip (four tables, none reading another's rows): a completion that pays
  // costs the statement's work, not three more round trips.
  // Prepared: its text is one of the few combinations of the four (each over array parameters).
  const writes = oneStatement([
    insertCompletionsStatement(transaction.completionsToInsert),
    enqueueGrantsStatement(transaction.grantsToQueue),
    enqueueWebhookMessagesStatement(transaction.webhooksToQueue),
    upsertStatesStatement(stateRows),
  ]);
  if (writes) await prepared(writes).execute(trx);
  return results;
}
