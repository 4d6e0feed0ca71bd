import type { PublishedQuest, RewardItem } from '@questline/contracts';
import type { Transaction } from 'kysely';
import type { ProgressDatabase } from '../db/schema.js';
import type { CatalogSnapshot } from '../clients/catalog-cache.js';
import type { AttributeValue, Outcome, QuestState } from '../domain/evaluate.js';
import { dependentsIndex } from '../domain/prerequisites.js';
import { insertEvents } from '../db/events.repository.js';
import { listStatesOf, lockUsers, upsertStates, type StateRow } from '../db/user-quests.repository.js';
import { firstCompletionTimes, insertCompletions } from '../db/completions.repository.js';
import { enqueueGrants } from '../db/outbox.repository.js';
import { applyUserEvents, eventKey, type ApplyTx, type UserSlice } from './apply-user-events.js';

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
  /** One entry per replay of a quest from the user's history, by quest key. */
  replays: string[];
  /** Stored events those replays read. */
  replayedEvents: number;
}

// Dependents per catalog copy, worked out once per copy rather than once per transaction.
const dependentsByCatalog = new WeakMap<CatalogSnapshot, Map<string, PublishedQuest[]>>();

function dependentsOf(catalog: CatalogSnapshot): Map<string, PublishedQuest[]> {
  let index = dependentsByCatalog.get(catalog);
  if (!index) dependentsByCatalog.set(catalog, (index = dependentsIndex(catalog.quests)));
  return index;
}

/**
 * First completion times of the prerequisites, for the users that may need them: whose events reach
 * a quest that has prerequisites or is one, and who have completed a prerequisite. One query, and
 * none at all for a catalog without prerequisites (the seed's).
 */
async function loadFirstCompletions(
  trx: Transaction<ProgressDatabase>,
  catalog: CatalogSnapshot,
  users: UserEvents[],
  statesByUser: Map<string, Map<string, QuestState>>,
): Promise<Map<string, Map<string, Date>>> {
  const dependents = dependentsOf(catalog);
  if (dependents.size === 0) return new Map();
  const prerequisiteKeys = [...dependents.keys()];
  const involved = (q: PublishedQuest) => q.prerequisites.length > 0 || dependents.has(q.key);
  const userIds = new Set<string>();
  for (const { userId, events } of users) {
    if (userIds.has(userId)) continue;
    const states = statesByUser.get(userId);
    if (!prerequisiteKeys.some((k) => (states?.get(k)?.completions ?? 0) > 0)) continue;
    if (events.some((e) => (catalog.byEvent.get(e.type) ?? []).some(involved))) userIds.add(userId);
  }
  return firstCompletionTimes(trx, [...userIds], prerequisiteKeys);
}

/**
 * Applies the events of one or more users inside the caller's transaction, each user's in the
 * given order. The users' advisory locks (taken in id order, so concurrent transactions never
 * deadlock on each other) make concurrent transactions for the same user queue up instead of
 * losing updates; the events' primary key makes a repeated id a no-op; completions, claims of
 * auto-claim quests and their grant outbox rows commit together with the progress that earned them.
 * Statements are shared across events and users (one insert of all events, one of all completions,
 * one of all grants, one upsert of all states), which is what makes batches and group commits cheap.
 *
 * Late events (older than the day or period a quest's state has reached) make that quest replay
 * from the user's history in time order, once per list of events (apply-user-events.ts), so
 * streaks and daily counts come out as if they had arrived on time; completions already earned are
 * never taken back (domain/replay.ts). Prerequisites are judged at each event's own time.
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
  const firstCompletions = await loadFirstCompletions(trx, catalog, users, statesByUser);
  const tx: ApplyTx = { trx, catalog, dependents: dependentsOf(catalog), now, pending: new Set(inserted), completions: [], grants: [] };

  // A user may come more than once (two single events in one group commit): one slice, one row per quest.
  const slices = new Map<string, UserSlice>();
  for (const { userId, events } of users) {
    let slice = slices.get(userId);
    if (!slice) {
      slice = {
        userId,
        states: statesByUser.get(userId) ?? new Map<string, QuestState>(),
        dirty: new Set(),
        firstCompleted: firstCompletions.get(userId) ?? new Map(),
        newEventIds: [],
        appliedUntil: new Map(),
        storedUntil: new Map(),
        lockedUntil: new Map(),
      };
      slices.set(userId, slice);
    }
    for (const e of events) if (inserted.has(eventKey(userId, e.id))) slice.newEventIds.push(e.id);
  }

  const results: UserApplyResult[] = [];
  for (const entry of users) results.push(await applyUserEvents(tx, slices.get(entry.userId)!, entry, opts.snapshots ?? false));

  const stateRows: StateRow[] = [];
  for (const slice of slices.values()) {
    for (const questKey of slice.dirty) stateRows.push({ userId: slice.userId, questKey, state: slice.states.get(questKey)! });
  }
  await insertCompletions(trx, tx.completions);
  await enqueueGrants(trx, tx.grants);
  await upsertStates(trx, stateRows);
  return results;
}
