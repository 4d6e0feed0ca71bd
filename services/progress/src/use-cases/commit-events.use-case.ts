import type { Kysely, Transaction } from 'kysely';
import type { ProgressDatabase } from '../db/schema.js';
import { requireCatalog, type CatalogCache } from '../clients/catalog-cache.js';
import type { ProgressCounters } from '../progress-metrics.js';
import { applyEvents } from './apply-events.use-case.js';
import type { UserApplyResult, UserEvents } from './apply-types.js';
import { questsChanged, type QuestChange } from '../domain/quest-changes.js';

/** What committing events needs (ProgressContext provides it). */
export interface CommitDeps {
  db: Kysely<ProgressDatabase>;
  catalog: CatalogCache;
  counters: ProgressCounters;
  /** Called after a commit that queued grants or webhook messages (every completion queues one). */
  onGrantsQueued: () => void;
  /** After a commit: the live streams of each user whose quests changed read them again. */
  publishChange: (change: QuestChange) => void;
}

// Deadlock (possible only if two user ids share a lock hash) and serialization failures are retried.
const RETRYABLE = new Set(['40P01', '40001']);

/** Runs fn in a transaction, again (up to 3 times) when PostgreSQL aborted it for a retryable reason. */
async function inTransaction<T>(db: Kysely<ProgressDatabase>, fn: (trx: Transaction<ProgressDatabase>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      if (attempt >= 3 || !RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
    }
  }
}

/** After a commit: metrics, and a nudge to the relay when grants were queued. */
function afterCommit(deps: CommitDeps, results: UserApplyResult[]): void {
  let accepted = 0;
  let grants = 0;
  let completions = 0;
  let replayedEvents = 0;
  for (const r of results) {
    accepted += r.applied.filter((a) => !a.duplicate && !a.refused).length;
    for (const key of r.completedKeys) deps.counters.questsCompleted.inc({ quest: key });
    for (const key of r.replays) deps.counters.questReplays.inc({ quest: key });
    replayedEvents += r.replayedEvents;
    grants += r.grants;
    completions += r.completedKeys.length;
  }
  if (accepted > 0) deps.counters.eventsIngested.inc(accepted);
  if (replayedEvents > 0) deps.counters.replayEventsRead.inc(replayedEvents);
  if (grants > 0 || completions > 0) deps.onGrantsQueued();
  // One notice per user, even when the user had several lists (they share one set of changed quests).
  const seen = new Set<string>();
  for (const r of results) {
    if (r.changedQuests.size === 0 || seen.has(r.userId)) continue;
    seen.add(r.userId);
    deps.publishChange(questsChanged(r.userId, r.changedQuests));
  }
}

/**
 * Applies the event lists of one or more users in one transaction (see applyEvents), then counts
 * them and nudges the relays. `snapshots`: each applied event carries the states right after it.
 */
export async function commitEvents(deps: CommitDeps, lists: UserEvents[], opts: { snapshots?: boolean } = {}): Promise<UserApplyResult[]> {
  const catalog = requireCatalog(deps.catalog);
  const results = await inTransaction(deps.db, (trx) => applyEvents(trx, catalog, lists, opts));
  afterCommit(deps, results);
  return results;
}
