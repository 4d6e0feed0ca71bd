import { sql } from 'kysely';
import type { Executor } from '@questline/platform';
import type { AuthDatabase, UserRow } from './schema.js';

type Db = Executor<AuthDatabase>;

export interface LoginWrite {
  userId: string;
  refreshFamilyId: string;
  refreshTokenHash: string;
  refreshTtlSeconds: number;
  /** A stronger hash of the verified password; replaces `verifiedHash` only if that is still stored. */
  rehash?: { verifiedHash: string; upgradedHash: string };
}

/**
 * Everything a successful login writes, as one statement (so one round trip, atomic on its own):
 * new → active (a profile change: version + 1 and a `profile` outbox row), last_login_at, the
 * `login` outbox row, the refresh token and an optional password re-hash. The user row is locked
 * first and must not be banned, so a ban that commits meanwhile wins: nothing is written then and
 * undefined is returned.
 */
export async function commitLogin(db: Db, w: LoginWrite): Promise<UserRow | undefined> {
  const result = await sql<UserRow>`
    WITH target AS (
      SELECT id, status AS old_status FROM users WHERE id = ${w.userId} AND status <> 'banned' FOR UPDATE
    ), updated AS (
      UPDATE users u SET
        status = CASE WHEN t.old_status = 'new' THEN 'active' ELSE u.status END,
        profile_version = CASE WHEN t.old_status = 'new' THEN u.profile_version + 1 ELSE u.profile_version END,
        last_login_at = now(),
        password_hash = CASE WHEN u.password_hash = ${w.rehash?.verifiedHash ?? null}::text THEN ${w.rehash?.upgradedHash ?? null}::text ELSE u.password_hash END
      FROM target t
      WHERE u.id = t.id
      RETURNING u.*, t.old_status
    ), login_event AS (
      INSERT INTO outbox (user_id, kind) SELECT id, 'login' FROM updated
    ), profile_event AS (
      INSERT INTO outbox (user_id, kind) SELECT id, 'profile' FROM updated WHERE old_status = 'new'
    ), session AS (
      INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at)
      SELECT id, ${w.refreshFamilyId}::uuid, ${w.refreshTokenHash}, now() + make_interval(secs => ${w.refreshTtlSeconds})
      FROM updated
    )
    SELECT id, username, password_hash, external_id, role, status, timezone, xp, badges, created_at, last_login_at, profile_version FROM updated
  `.execute(db);
  return result.rows[0];
}
