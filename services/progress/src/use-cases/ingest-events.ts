import type { Kysely, Transaction } from 'kysely';
import { AppError } from '@questline/platform';
import type { ProgressDatabase } from '../db/schema.js';
import type { CatalogCache, CatalogSnapshot } from '../clients/catalog-cache.js';
import type { QuestState } from '../domain/evaluate.js';
import type { ProgressCounters } from '../progress-metrics.js';
import { applyEvents, type AppliedEvent, type IncomingEvent, type UserApplyResult, type UserEvents } from './apply-events.js';

export type { AppliedEvent, IncomingEvent, QuestResult, UserEvents } from './apply-events.js';

export interface UserIngestResult {
  applied: AppliedEvent[];
  /** The user's quest states after the last event. */
  states: Map<string, QuestState>;
  catalog: CatalogSnapshot;
}

export interface IngestDeps {
  db: Kysely<ProgressDatabase>;
  catalog: CatalogCache;
  counters: ProgressCounters;
  /** Called after a commit that queued grants. */
  onGrantsQueued: () => void;
}

/** Events are refused until a first catalog copy exists: applying them against no quests would lose progress. */
export function requireCatalog(catalog: CatalogCache): CatalogSnapshot {
  const snapshot = catalog.snapshot;
  if (!snapshot) throw new AppError('CATALOG_UNAVAILABLE', 'quest catalog not loaded yet; retry shortly');
  return snapshot;
}

// Deadlock (possible only if two user ids share a lock hash) and serialization failures are retried.
const RETRYABLE = new Set(['40P01', '40001']);

/** Runs fn in a transaction, again (up to 3 times) when PostgreSQL aborted it for a retryable reason. */
export async function inTransaction<T>(db: Kysely<ProgressDatabase>, fn: (trx: Transaction<ProgressDatabase>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      if (attempt >= 3 || !RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
    }
  }
}

/** After a commit: metrics, and a nudge to the relay when grants were queued. */
export function afterCommit(deps: IngestDeps, results: UserApplyResult[]): void {
  let accepted = 0;
  let grants = 0;
  let replayedEvents = 0;
  for (const r of results) {
    accepted += r.applied.filter((a) => !a.duplicate).length;
    for (const key of r.completedKeys) deps.counters.questsCompleted.inc({ quest: key });
    for (const key of r.replays) deps.counters.questReplays.inc({ quest: key });
    replayedEvents += r.replayedEvents;
    grants += r.grants;
  }
  if (accepted > 0) deps.counters.eventsIngested.inc(accepted);
  if (replayedEvents > 0) deps.counters.replayEventsRead.inc(replayedEvents);
  if (grants > 0) deps.onGrantsQueued();
}

/** Applies the events of several users in one transaction (see applyEvents). */
export async function ingestUsers(deps: IngestDeps, users: UserEvents[], opts: { snapshots?: boolean } = {}): Promise<UserApplyResult[]> {
  const catalog = requireCatalog(deps.catalog);
  const results = await inTransaction(deps.db, (trx) => applyEvents(trx, catalog, users, opts));
  afterCommit(deps, results);
  return results;
}

/** Applies one user's events, in the given order, in one transaction. */
export async function ingestForUser(deps: IngestDeps, userId: string, timezone: string, events: IncomingEvent[]): Promise<UserIngestResult> {
  const catalog = requireCatalog(deps.catalog);
  const [result] = await ingestUsers(deps, [{ userId, timezone, events }], { snapshots: true });
  return { applied: result!.applied, states: result!.states, catalog };
}
