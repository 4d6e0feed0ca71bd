import { sql } from 'kysely';
import { unnestColumns, type Executor } from '@questline/platform';
import type { ProfilePatch } from '../domain/profiles.js';
import type { AuthDatabase, UserRow } from './schema.js';

type Db = Executor<AuthDatabase>;

/** Microsecond-exact sort key as text: a JS Date would drop the microseconds and break keyset paging. */
export const exactTimestamp = (column: string) =>
  sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export const USERNAME_UNIQUE_INDEX = 'users_username_lower_key';
export const EXTERNAL_ID_UNIQUE = 'users_external_id_key';

export async function insertUser(db: Db, user: { username: string; passwordHash: string; timezone: string }): Promise<UserRow> {
  return db
    .insertInto('users')
    .values({ username: user.username, password_hash: user.passwordHash, timezone: user.timezone })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Row-locks the user: serialises concurrent grants and status changes for one user. */
export async function lockUser(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function findUserByUsername(db: Db, username: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where(sql<string>`lower(username)`, '=', username.toLowerCase())
    .executeTakeFirst();
}

/** Writes a profile change and bumps its version; the caller has decided that something changes. */
export async function updateProfile(db: Db, id: string, patch: ProfilePatch): Promise<UserRow | undefined> {
  return db
    .updateTable('users')
    .set({ ...patch, profile_version: sql<number>`profile_version + 1` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/**
 * A player's own timezone change: written only if the last one they made is at least `intervalMs`
 * old (or they never made one), judged on the row as it is when the update runs, so of two racing
 * changes one wins and the other finds the fresh stamp. Stamps the change and bumps the version.
 */
export async function updateOwnTimezone(db: Db, id: string, timezone: string, intervalMs: number): Promise<UserRow | undefined> {
  return db
    .updateTable('users')
    .set({ timezone, timezone_changed_at: sql<Date>`now()`, profile_version: sql<number>`profile_version + 1` })
    .where('id', '=', id)
    .where('timezone', '<>', timezone)
    .where((eb) => eb.or([eb('timezone_changed_at', 'is', null), eb('timezone_changed_at', '<=', sql<Date>`now() - ${intervalMs}::float8 * interval '1 millisecond'`)]))
    .returningAll()
    .executeTakeFirst();
}

export async function listUsers(
  db: Db,
  page: { limit: number; after?: [string, string] },
): Promise<Array<UserRow & { sort_ts: string }>> {
  let query = db.selectFrom('users').selectAll().select(exactTimestamp('created_at').as('sort_ts'));
  if (page.after) {
    const [ts, id] = page.after;
    query = query.where(sql<boolean>`(created_at, id) > (${ts}::timestamptz, ${id}::uuid)`);
  }
  return query.orderBy('created_at', 'asc').orderBy('id', 'asc').limit(page.limit).execute();
}

/**
 * Locks every admin who is not banned. Two admins demoting each other at once are serialised
 * here, and the second sees the first's change, so the last admin cannot be removed by a race.
 */
export async function lockActiveAdminIds(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom('users')
    .select('id')
    .where('role', '=', 'admin')
    .where('status', '<>', 'banned')
    .orderBy('id')
    .forUpdate()
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Creates the configured admin unless a user of that name (any case) exists; undefined when one
 * does. Never promotes anyone: a player who registered the name must not become an admin.
 */
export async function insertAdminIfAbsent(db: Db, username: string, passwordHash: string): Promise<UserRow | undefined> {
  return db
    .insertInto('users')
    .values({ username, password_hash: passwordHash, role: 'admin', status: 'active' })
    .onConflict((oc) => oc.expression(sql`lower(username)`).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function findUsersByIds(db: Db, ids: string[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('users').selectAll().where('id', 'in', ids).execute();
}

export async function findUserByExternalId(db: Db, externalId: string, opts: { lock?: boolean } = {}): Promise<UserRow | undefined> {
  const query = db.selectFrom('users').selectAll().where('external_id', '=', externalId);
  return (opts.lock ? query.forUpdate() : query).executeTakeFirst();
}

export interface NewExternalUser {
  externalId: string;
  username: string;
  timezone: string;
}

/**
 * Creates users named by external ids (no password), skipping ids that exist; returns only the
 * rows it created. A concurrent insert of the same id waits for the other transaction and is
 * then skipped, so two racing upserts create one user. The rows are inserted in the order given:
 * callers sort them, so two batches sharing ids take their locks in one order and cannot deadlock.
 * A generated username that happens to be taken fails the statement (unique violation).
 */
export async function insertExternalUsers(db: Db, users: readonly NewExternalUser[]): Promise<UserRow[]> {
  if (users.length === 0) return [];
  const col = unnestColumns(users);
  const result = await sql<UserRow>`
    INSERT INTO users (external_id, username, timezone)
    SELECT * FROM unnest(${col('text', (u) => u.externalId)}, ${col('text', (u) => u.username)}, ${col('text', (u) => u.timezone)})
    ON CONFLICT (external_id) DO NOTHING
    RETURNING *
  `.execute(db);
  return result.rows;
}

export async function findUsersByExternalIds(db: Db, externalIds: readonly string[]): Promise<UserRow[]> {
  if (externalIds.length === 0) return [];
  return db.selectFrom('users').selectAll().where('external_id', 'in', [...externalIds]).execute();
}

/** Renames a user; a name taken by another user (any case) fails with a unique violation. */
export async function updateUsername(db: Db, id: string, username: string): Promise<UserRow | undefined> {
  return db.updateTable('users').set({ username }).where('id', '=', id).returningAll().executeTakeFirst();
}
