import { sql } from 'kysely';
import type { GrantRequest } from '@questline/contracts';
import { unnestColumns, type Executor } from '@questline/platform';
import type { ProgressDatabase } from './schema.js';

/** Queues grants in one statement (one array parameter per column); a key already queued is kept as it is. */
export async function enqueueGrants(ex: Executor<ProgressDatabase>, grants: GrantRequest[]): Promise<void> {
  if (grants.length === 0) return;
  const col = unnestColumns(grants);
  await sql`
    INSERT INTO grant_outbox (user_id, quest_key, completion, idempotency_key, payload)
    SELECT u, k, c, i, p::jsonb FROM unnest(
      ${col('uuid', (g) => g.userId)}, ${col('text', (g) => g.source.questKey ?? '')}, ${col('int', (g) => g.source.completion ?? 0)},
      ${col('text', (g) => g.idempotencyKey)}, ${col('text', (g) => JSON.stringify(g))}
    ) AS t(u, k, c, i, p)
    ON CONFLICT (idempotency_key) DO NOTHING`.execute(ex);
}

export interface PendingGrant {
  id: string;
  payload: GrantRequest;
  attempts: number;
}

/**
 * Due, undelivered grants, row-locked until the caller's transaction ends; SKIP LOCKED lets
 * several relays (replicas, or overlapping runs) share the table without sending a row twice.
 */
export async function lockDueGrants(ex: Executor<ProgressDatabase>, dueBy: Date, limit: number): Promise<PendingGrant[]> {
  return ex
    .selectFrom('grant_outbox')
    .select(['id', 'payload', 'attempts'])
    .where('delivered_at', 'is', null)
    .where('next_attempt_at', '<=', dueBy)
    .orderBy('next_attempt_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

/** Marks the rows delivered, all in one statement. */
export async function markDelivered(ex: Executor<ProgressDatabase>, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await ex
    .updateTable('grant_outbox')
    .set((eb) => ({ delivered_at: sql<Date>`now()`, attempts: eb('attempts', '+', 1), last_error: null }))
    .where('id', '=', sql<string>`ANY(${ids}::uuid[])`)
    .execute();
}

export async function markFailed(ex: Executor<ProgressDatabase>, id: string, error: string, retryInMs: number): Promise<void> {
  await ex
    .updateTable('grant_outbox')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      last_error: error.slice(0, 1000),
      next_attempt_at: sql<Date>`now() + make_interval(secs => ${retryInMs / 1000}::float8)`,
    }))
    .where('id', '=', id)
    .execute();
}

export interface BacklogStats {
  backlog: number;
  oldestAgeSeconds: number;
}

export async function backlogStats(ex: Executor<ProgressDatabase>): Promise<BacklogStats> {
  const row = await sql<{ backlog: number; oldest: number | null }>`
    SELECT count(*)::bigint AS backlog,
           extract(epoch FROM now() - min(created_at))::float8 AS oldest
    FROM grant_outbox WHERE delivered_at IS NULL`.execute(ex);
  const r = row.rows[0];
  return { backlog: r?.backlog ?? 0, oldestAgeSeconds: r?.oldest ?? 0 };
}
