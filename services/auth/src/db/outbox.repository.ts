import type { Kysely } from 'kysely';
import { sqlOutboxStore, type Executor, type OutboxStore } from '@questline/platform';
import type { AuthDatabase, OutboxKind, OutboxRow } from './schema.js';

type Db = Executor<AuthDatabase>;

/** Queues a message for progress; call it inside the transaction of the change it announces. */
export async function insertOutboxRow(db: Db, userId: string, kind: OutboxKind): Promise<OutboxRow> {
  return db.insertInto('outbox').values({ user_id: userId, kind }).returningAll().executeTakeFirstOrThrow();
}

/** One kind of the outbox as the platform relay sees it: leased claims, settled in one statement. */
export function outboxStore(db: Kysely<AuthDatabase>, kind: OutboxKind): OutboxStore<OutboxRow> {
  return sqlOutboxStore<OutboxRow>(db, { table: 'outbox', createdColumn: 'occurred_at', filter: { column: 'kind', value: kind } });
}

/** One row per user, in one statement (users created by a batch). */
export async function insertOutboxRows(db: Db, userIds: readonly string[], kind: OutboxKind): Promise<void> {
  if (userIds.length === 0) return;
  await db.insertInto('outbox').values(userIds.map((id) => ({ user_id: id, kind }))).execute();
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
