import { sql } from 'kysely';
import type { Executor } from '@questline/platform';
import type { AuthDatabase, OutboxKind, OutboxRow } from './schema.js';

type Db = Executor<AuthDatabase>;

/** Queues a message for progress; call it inside the transaction of the change it announces. */
export async function insertOutboxRow(db: Db, userId: string, kind: OutboxKind): Promise<OutboxRow> {
  return db.insertInto('outbox').values({ user_id: userId, kind }).returningAll().executeTakeFirstOrThrow();
}

/**
 * Locks a batch of due rows of one kind, oldest first. SKIP LOCKED lets several replicas relay at
 * once without sending the same rows concurrently.
 */
export async function claimDueOutboxRows(db: Db, kind: OutboxKind, limit: number): Promise<OutboxRow[]> {
  return db
    .selectFrom('outbox')
    .selectAll()
    .where('kind', '=', kind)
    .where('delivered_at', 'is', null)
    .where('next_attempt_at', '<=', sql<Date>`now()`)
    .orderBy('occurred_at')
    .orderBy('id')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export async function markOutboxRowsDelivered(db: Db, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('outbox').set({ delivered_at: sql<Date>`now()`, last_error: null }).where('id', 'in', ids).execute();
}

export async function markOutboxRowFailed(db: Db, id: string, error: string, retryInMs: number): Promise<void> {
  await db
    .updateTable('outbox')
    .set({
      attempts: sql<number>`attempts + 1`,
      next_attempt_at: sql<Date>`now() + make_interval(secs => ${retryInMs / 1000})`,
      last_error: error.slice(0, 500),
    })
    .where('id', '=', id)
    .execute();
}

export async function countUndelivered(db: Db, kind: OutboxKind): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('kind', '=', kind)
    .where('delivered_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function findOutboxRows(db: Db, userId: string, kind: OutboxKind): Promise<OutboxRow[]> {
  return db
    .selectFrom('outbox')
    .selectAll()
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .orderBy('occurred_at')
    .orderBy('id')
    .execute();
}
