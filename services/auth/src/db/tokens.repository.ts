import { sql } from 'kysely';
import type { Executor } from '@questline/platform';
import type { AuthDatabase, RefreshTokenRow } from './schema.js';

type Db = Executor<AuthDatabase>;

export async function insertRefreshToken(
  db: Db,
  token: { userId: string; familyId: string; hash: string; ttlSeconds: number },
): Promise<void> {
  await db
    .insertInto('refresh_tokens')
    .values({
      user_id: token.userId,
      family_id: token.familyId,
      token_hash: token.hash,
      expires_at: sql<Date>`now() + make_interval(secs => ${token.ttlSeconds})`,
    })
    .execute();
}

export type RefreshTokenState = RefreshTokenRow & { expired: boolean };

/** Locks the token row so that two concurrent refreshes with one token cannot both succeed. */
export async function lockRefreshToken(db: Db, hash: string): Promise<RefreshTokenState | undefined> {
  return db
    .selectFrom('refresh_tokens')
    .selectAll()
    .select(sql<boolean>`expires_at <= now()`.as('expired'))
    .where('token_hash', '=', hash)
    .forUpdate()
    .executeTakeFirst();
}

export async function findRefreshToken(db: Db, hash: string): Promise<RefreshTokenRow | undefined> {
  return db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
}

export async function markRefreshTokenUsed(db: Db, id: string): Promise<void> {
  await db.updateTable('refresh_tokens').set({ used_at: sql<Date>`now()` }).where('id', '=', id).execute();
}

export async function revokeFamily(db: Db, familyId: string): Promise<void> {
  await db
    .updateTable('refresh_tokens')
    .set({ revoked_at: sql<Date>`now()` })
    .where('family_id', '=', familyId)
    .where('revoked_at', 'is', null)
    .execute();
}

export async function revokeAllForUser(db: Db, userId: string): Promise<void> {
  await db
    .updateTable('refresh_tokens')
    .set({ revoked_at: sql<Date>`now()` })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
}
