import { sql } from 'kysely';
import { unnestColumns, type Executor } from '@questline/platform';
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

export interface GrantItemRow {
  idempotencyKey: string;
  currency: string;
  amount: number;
  reason: string;
  source: GrantSource;
  position: number;
}

export interface PaidGrants {
  /** Grant id of each key claimed now; a key stored before is not in it and paid nothing. */
  claimed: Map<string, string>;
  /** The entries written for the claimed keys. */
  entries: LedgerEntryRow[];
}

type PaidRow = { claimed_key: string; claimed_id: string } & { [K in keyof LedgerEntryRow]: LedgerEntryRow[K] | null };

/**
 * Pays a batch in ONE statement (every round trip costs more CPU than the SQL it carries): claims
 * the keys (INSERT ... ON CONFLICT DO NOTHING; a key that exists, paid before or by a concurrent
 * transaction that committed while this one waited on it, is skipped), writes the entries of the
 * claimed keys only, adds them to the balances summed per (user, currency) in key order, and adds
 * their XP and badges (a badge the user holds already is not added again). The grants come sorted
 * by key and their users' rows are locked by the caller, so concurrent batches meet in one order.
 */
export async function payGrants(db: Db, grants: readonly NewGrant[], items: readonly GrantItemRow[]): Promise<PaidGrants> {
  const result: PaidGrants = { claimed: new Map(), entries: [] };
  if (grants.length === 0) return result;
  const g = unnestColumns(grants);
  const i = unnestColumns(items);
  const { rows } = await sql<PaidRow>`
    WITH g AS (
      INSERT INTO grants (idempotency_key, user_id, request_hash, xp, badge, granted_by, actor)
      SELECT * FROM unnest(
        ${g('text', (x) => x.idempotencyKey)}, ${g('uuid', (x) => x.userId)}, ${g('text', (x) => x.requestHash)},
        ${g('bigint', (x) => x.xp)}, ${g('text', (x) => x.badge)}, ${g('uuid', (x) => x.grantedBy)}, ${g('text', (x) => x.actor)}
      )
      ON CONFLICT (idempotency_key) DO NOTHING
      RETURNING id, idempotency_key, user_id, xp, badge
    ), e AS (
      INSERT INTO ledger_entries (grant_id, user_id, currency, amount, reason, source_type, quest_key, completion, idempotency_key, position)
      SELECT g.id, g.user_id, i.currency, i.amount, i.reason, i.source_type, i.quest_key, i.completion, g.idempotency_key, i.position
      FROM unnest(
        ${i('text', (x) => x.idempotencyKey)}, ${i('text', (x) => x.currency)}, ${i('bigint', (x) => x.amount)}, ${i('text', (x) => x.reason)},
        ${i('text', (x) => x.source.type)}, ${i('text', (x) => x.source.questKey ?? null)}, ${i('int', (x) => x.source.completion ?? null)}, ${i('int', (x) => x.position)}
      ) AS i(idempotency_key, currency, amount, reason, source_type, quest_key, completion, position)
      JOIN g USING (idempotency_key)
      RETURNING *
    ), paid AS (
      INSERT INTO balances (user_id, currency, amount)
      SELECT user_id, currency, sum(amount) FROM e GROUP BY user_id, currency ORDER BY user_id, currency
      ON CONFLICT (user_id, currency) DO UPDATE SET amount = balances.amount + excluded.amount
    ), profile AS (
      UPDATE users u SET
        xp = u.xp + v.xp,
        badges = u.badges || ARRAY(SELECT b FROM unnest(v.badges) b WHERE b <> ALL (u.badges))
      FROM (
        SELECT user_id, sum(xp)::bigint AS xp, coalesce(array_agg(DISTINCT badge) FILTER (WHERE badge IS NOT NULL), '{}') AS badges
        FROM g GROUP BY user_id
      ) v
      WHERE u.id = v.user_id AND (v.xp > 0 OR cardinality(v.badges) > 0)
    )
    SELECT g.idempotency_key AS claimed_key, g.id AS claimed_id, e.* FROM g LEFT JOIN e ON e.grant_id = g.id
  `.execute(db);
  for (const { claimed_key, claimed_id, ...entry } of rows) {
    result.claimed.set(claimed_key, claimed_id);
    // A grant with no items has no entry: its row carries the claim alone.
    if (entry.id !== null) result.entries.push(entry as LedgerEntryRow);
  }
  return result;
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

