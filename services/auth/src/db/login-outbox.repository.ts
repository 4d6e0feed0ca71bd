import { sql } from 'kysely';
import type { Executor } from '@questline/platform';
import type { AuthDatabase, LoginOutboxRow } from './schema.js';

type Db = Executor<AuthDatabase>;

export async function insertLoginEvent(db: Db, userId: string): Promise<LoginOutboxRow> {
  return db.insertInto('login_outbox').values({ user_id: userId }).returningAll().executeTakeFirstOrThrow();
}

/**
 * Locks a batch of due rows, oldest first. SKIP LOCKED lets several replicas relay at once
 * without sending the same rows concurrently.
 */
export async function claimDueLoginEvents(db: Db, limit: number): Promise<LoginOutboxRow[]> {
  return db
    .selectFrom('login_outbox')
    .selectAll()
    .where('delivered_at', 'is', null)
    .where('next_attempt_at', '<=', sql<Date>`now()`)
    .orderBy('occurred_at')
    .orderBy('id')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export async function markLoginEventsDelivered(db: Db, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('login_outbox').set({ delivered_at: sql<Date>`now()`, last_error: null }).where('id', 'in', ids).execute();
}

export async function markLoginEventFailed(db: Db, id: string, error: string, retryInMs: number): Promise<void> {
  await db
    .updateTable('login_outbox')
    .set({
      attempts: sql<number>`attempts + 1`,
      next_attempt_at: sql<Date>`now() + make_interval(secs => ${retryInMs / 1000})`,
      last_error: error.slice(0, 500),
    })
    .where('id', '=', id)
    .execute();
}

export async function countUndeliveredLoginEvents(db: Db): Promise<number> {
  const row = await db
    .selectFrom('login_outbox')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('delivered_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function findLoginEvents(db: Db, userId: string): Promise<LoginOutboxRow[]> {
  return db.selectFrom('login_outbox').selectAll().where('user_id', '=', userId).orderBy('occurred_at').execute();
}
