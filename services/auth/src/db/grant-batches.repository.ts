import { sql } from 'kysely';
import { unnestColumns, type Executor } from '@questline/platform';
import type { BalanceDelta, ProfileDelta } from '../domain/grant-batches.js';
import type { GrantSource } from '../domain/grants.js';
import type { NewGrant } from './ledger.repository.js';
import type { AuthDatabase, LedgerEntryRow, UserRow } from './schema.js';

type Db = Executor<AuthDatabase>;

/**
 * Locks the users' rows in id order (the lock is taken row by row in the sorted order, above the
 * sort) and returns those that exist. Every grant locks its user first, so two batches sharing
 * users always meet in the same order and a key claimed by one is seen committed by the other.
 */
export async function lockUsers(db: Db, ids: readonly string[]): Promise<Array<Pick<UserRow, 'id' | 'external_id'>>> {
  if (ids.length === 0) return [];
  return db.selectFrom('users').select(['id', 'external_id']).where('id', 'in', [...ids]).orderBy('id').forUpdate().execute();
}

/**
 * Claims the keys in one statement; returns the id of each key claimed now. A key that exists
 * (paid before, or by a concurrent transaction that committed while this one waited on it) is
 * left out of the answer and nothing is written for it.
 */
export async function insertGrants(db: Db, grants: readonly NewGrant[]): Promise<Map<string, string>> {
  const claimed = new Map<string, string>();
  if (grants.length === 0) return claimed;
  const col = unnestColumns(grants);
  const { rows } = await sql<{ id: string; idempotency_key: string }>`
    INSERT INTO grants (idempotency_key, user_id, request_hash, xp, badge, granted_by, actor)
    SELECT * FROM unnest(
      ${col('text', (g) => g.idempotencyKey)}, ${col('uuid', (g) => g.userId)}, ${col('text', (g) => g.requestHash)},
      ${col('bigint', (g) => g.xp)}, ${col('text', (g) => g.badge)}, ${col('uuid', (g) => g.grantedBy)}, ${col('text', (g) => g.actor)}
    )
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id, idempotency_key
  `.execute(db);
  for (const row of rows) claimed.set(row.idempotency_key, row.id);
  return claimed;
}

export interface ExistingGrant {
  requestHash: string;
  entries: LedgerEntryRow[];
}

/** Grants already stored under these keys, each with its entries in their order. */
export async function findGrantsByKeys(db: Db, keys: readonly string[]): Promise<Map<string, ExistingGrant>> {
  const found = new Map<string, ExistingGrant>();
  if (keys.length === 0) return found;
  const grants = await db.selectFrom('grants').select(['id', 'idempotency_key', 'request_hash']).where('idempotency_key', 'in', [...keys]).execute();
  const byId = new Map<string, ExistingGrant>();
  for (const g of grants) {
    const existing = { requestHash: g.request_hash, entries: [] };
    found.set(g.idempotency_key, existing);
    byId.set(g.id, existing);
  }
  if (byId.size === 0) return found;
  const entries = await db.selectFrom('ledger_entries').selectAll().where('grant_id', 'in', [...byId.keys()]).orderBy('position').execute();
  for (const entry of entries) byId.get(entry.grant_id)?.entries.push(entry);
  return found;
}

export interface BatchLedgerEntry {
  grantId: string;
  userId: string;
  idempotencyKey: string;
  currency: string;
  amount: number;
  reason: string;
  source: GrantSource;
  position: number;
}

/** Every entry of the batch in one statement. */
export async function insertLedgerEntryRows(db: Db, entries: readonly BatchLedgerEntry[]): Promise<LedgerEntryRow[]> {
  if (entries.length === 0) return [];
  const col = unnestColumns(entries);
  const { rows } = await sql<LedgerEntryRow>`
    INSERT INTO ledger_entries (grant_id, user_id, currency, amount, reason, source_type, quest_key, completion, idempotency_key, position)
    SELECT * FROM unnest(
      ${col('uuid', (e) => e.grantId)}, ${col('uuid', (e) => e.userId)}, ${col('text', (e) => e.currency)}, ${col('bigint', (e) => e.amount)},
      ${col('text', (e) => e.reason)}, ${col('text', (e) => e.source.type)}, ${col('text', (e) => e.source.questKey ?? null)},
      ${col('int', (e) => e.source.completion ?? null)}, ${col('text', (e) => e.idempotencyKey)}, ${col('int', (e) => e.position)}
    )
    RETURNING *
  `.execute(db);
  return rows;
}

/** One upsert per (user, currency) — the caller has summed and sorted them — in one statement. */
export async function addToBalances(db: Db, deltas: readonly BalanceDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const col = unnestColumns(deltas);
  await sql`
    INSERT INTO balances (user_id, currency, amount)
    SELECT * FROM unnest(${col('uuid', (d) => d.userId)}, ${col('text', (d) => d.currency)}, ${col('bigint', (d) => d.amount)})
    ON CONFLICT (user_id, currency) DO UPDATE SET amount = balances.amount + excluded.amount
  `.execute(db);
}

/**
 * XP and badges of several users in one statement. A user's badges come as rows (one per badge,
 * the first carrying the XP) because a column of arrays cannot be unnested row by row; a badge the
 * user holds already is not added again.
 */
export async function addXpAndBadges(db: Db, deltas: readonly ProfileDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const rows = deltas.flatMap((d) => (d.badges.length === 0 ? [{ userId: d.userId, xp: d.xp, badge: null as string | null, ord: 0 }] : d.badges.map((badge, i) => ({ userId: d.userId, xp: i === 0 ? d.xp : 0, badge, ord: i }))));
  const col = unnestColumns(rows);
  await sql`
    UPDATE users u SET
      xp = u.xp + v.xp,
      badges = u.badges || ARRAY(SELECT b FROM unnest(v.badges) b WHERE b <> ALL (u.badges))
    FROM (
      SELECT id, sum(xp)::bigint AS xp, coalesce(array_agg(badge ORDER BY ord) FILTER (WHERE badge IS NOT NULL), '{}') AS badges
      FROM unnest(${col('uuid', (r) => r.userId)}, ${col('bigint', (r) => r.xp)}, ${col('text', (r) => r.badge)}, ${col('int', (r) => r.ord)}) AS t(id, xp, badge, ord)
      GROUP BY id
    ) v
    WHERE u.id = v.id
  `.execute(db);
}
