import { sql } from 'kysely';
import type { Executor } from '@questline/platform';
import type { AuthDatabase, LedgerEntryRow, SourceType } from './schema.js';
import { exactTimestamp } from './users.repository.js';

type Db = Executor<AuthDatabase>;

export type Balances = Record<string, number>;

export async function balancesOf(db: Db, userIds: string[]): Promise<Map<string, Balances>> {
  const result = new Map<string, Balances>();
  if (userIds.length === 0) return result;
  const rows = await db
    .selectFrom('balances')
    .select(['user_id', 'currency', 'amount'])
    .where('user_id', 'in', userIds)
    .orderBy('currency')
    .execute();
  for (const row of rows) {
    const balances = result.get(row.user_id) ?? {};
    balances[row.currency] = row.amount;
    result.set(row.user_id, balances);
  }
  return result;
}

/**
 * Takes `amount` from a balance only if it holds that much, in one statement: the row lock it
 * takes orders concurrent debits, and each re-checks `amount >= n` against the balance the one
 * before it left (PostgreSQL re-evaluates the WHERE on the newest row version after waiting), so
 * no interleaving can take the balance below zero. Returns the new amount, or undefined when the
 * balance (or the row) is short: nothing was written.
 */
export async function debitBalance(db: Db, userId: string, currency: string, amount: number): Promise<number | undefined> {
  const row = await db
    .updateTable('balances')
    .set({ amount: sql<number>`amount - ${amount}` })
    .where('user_id', '=', userId)
    .where('currency', '=', currency)
    .where('amount', '>=', amount)
    .returning('amount')
    .executeTakeFirst();
  return row?.amount;
}

export interface NewGrant {
  idempotencyKey: string;
  userId: string;
  requestHash: string;
  xp: number;
  badge: string | null;
  grantedBy: string | null;
  /** `user:<id>` or `key:<id>`; null for quest rewards. */
  actor: string | null;
}

/**
 * Claims the idempotency key. Returns undefined when the key already exists; a concurrent
 * insert of the same key waits for the other transaction and then sees the conflict.
 */
export async function insertGrant(db: Db, grant: NewGrant): Promise<string | undefined> {
  const row = await db
    .insertInto('grants')
    .values({
      idempotency_key: grant.idempotencyKey,
      user_id: grant.userId,
      request_hash: grant.requestHash,
      xp: grant.xp,
      badge: grant.badge,
      granted_by: grant.grantedBy,
      actor: grant.actor,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

export async function findGrantByKey(db: Db, idempotencyKey: string) {
  return db.selectFrom('grants').selectAll().where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
}

export interface NewLedgerEntry {
  currency: string;
  amount: number;
}

export async function insertLedgerEntries(
  db: Db,
  grant: { id: string; userId: string; idempotencyKey: string; reason: string; source: { type: SourceType; questKey?: string; completion?: number } },
  items: NewLedgerEntry[],
): Promise<LedgerEntryRow[]> {
  if (items.length === 0) return [];
  return db
    .insertInto('ledger_entries')
    .values(
      items.map((item, position) => ({
        grant_id: grant.id,
        user_id: grant.userId,
        currency: item.currency,
        amount: item.amount,
        reason: grant.reason,
        source_type: grant.source.type,
        quest_key: grant.source.questKey ?? null,
        completion: grant.source.completion ?? null,
        idempotency_key: grant.idempotencyKey,
        position,
      })),
    )
    .returningAll()
    .execute();
}

export async function entriesOfGrant(db: Db, grantId: string): Promise<LedgerEntryRow[]> {
  return db.selectFrom('ledger_entries').selectAll().where('grant_id', '=', grantId).orderBy('position').execute();
}

/** Entries of one user by id, in the order they were written (the live stream's rewards). */
export async function entriesByIds(db: Db, userId: string, ids: readonly string[]): Promise<LedgerEntryRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('ledger_entries')
    .selectAll()
    .where('user_id', '=', userId)
    .where('id', 'in', [...ids])
    .orderBy('created_at')
    .orderBy('position')
    .execute();
}

/** Newest first, keyset-paged on (created_at, id) descending. */
export async function listLedger(
  db: Db,
  userId: string,
  page: { limit: number; before?: [string, string] },
): Promise<Array<LedgerEntryRow & { sort_ts: string }>> {
  let query = db
    .selectFrom('ledger_entries')
    .selectAll()
    .select(exactTimestamp('created_at').as('sort_ts'))
    .where('user_id', '=', userId);
  if (page.before) {
    const [ts, id] = page.before;
    query = query.where(sql<boolean>`(created_at, id) < (${ts}::timestamptz, ${id}::uuid)`);
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
}
