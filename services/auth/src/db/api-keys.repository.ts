import { sql } from 'kysely';
import type { Executor } from '@questline/platform';
import { exactTimestamp } from './users.repository.js';
import type { ApiKeyRow, AuthDatabase } from './schema.js';

type Db = Executor<AuthDatabase>;

export const API_KEY_PREFIX_UNIQUE = 'api_keys_prefix_key';

export async function insertApiKey(
  db: Db,
  key: { name: string; prefix: string; secretHash: Buffer; scopes: string[]; createdBy: string },
): Promise<ApiKeyRow> {
  return db
    .insertInto('api_keys')
    .values({ name: key.name, prefix: key.prefix, secret_hash: key.secretHash, scopes: key.scopes, created_by: key.createdBy })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The key a presented secret's prefix names, revoked or not (the caller decides). */
export async function findApiKeyByPrefix(db: Db, prefix: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('prefix', '=', prefix).executeTakeFirst();
}

/** Row-locks the key: a revocation and its audit row happen once, whoever else revokes it. */
export async function lockApiKey(db: Db, id: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function revokeApiKey(db: Db, id: string): Promise<void> {
  await db.updateTable('api_keys').set({ revoked_at: sql`now()` }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

/**
 * Records a use, to the minute. The WHERE makes it a no-op (no row version, no WAL) for every use
 * after the first in a minute, so a busy key costs one write per minute, not one per request.
 */
export async function touchApiKey(db: Db, id: string): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: sql`date_trunc('minute', now())` })
    .where('id', '=', id)
    .where(sql<boolean>`last_used_at IS DISTINCT FROM date_trunc('minute', now())`)
    .execute();
}

/** Newest first, keyset on (created_at, id). */
export async function listApiKeys(db: Db, page: { limit: number; before?: [string, string] }): Promise<Array<ApiKeyRow & { sort_ts: string }>> {
  let query = db.selectFrom('api_keys').selectAll().select(exactTimestamp('created_at').as('sort_ts'));
  if (page.before) {
    const [ts, id] = page.before;
    query = query.where(sql<boolean>`(created_at, id) < (${ts}::timestamptz, ${id}::uuid)`);
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
}
