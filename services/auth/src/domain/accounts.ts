import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '@questline/platform';
import type { AuthDatabase, UserRow } from '../db/schema.js';
import { USERNAME_UNIQUE_INDEX, findUserById, findUserByUsername, insertUser, recordLogin } from '../db/users.repository.js';
import {
  findRefreshToken,
  insertRefreshToken,
  lockRefreshToken,
  markRefreshTokenUsed,
  revokeFamily,
} from '../db/tokens.repository.js';
import { insertLoginEvent } from '../db/login-outbox.repository.js';
import { hashPassword } from './passwords.js';
import { hashRefreshToken, newRefreshToken, type AccessTokenSigner } from './tokens.js';
import { userView, type UserView } from './users.js';

export interface AccountsDeps {
  db: Kysely<AuthDatabase>;
  signer: AccessTokenSigner;
  checkPassword: (passwordHash: string | undefined, password: string) => Promise<boolean>;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: UserView;
}

export type SignupOutcome = { ok: true; user: UserView } | { ok: false; reason: 'USERNAME_TAKEN' };
export type LoginOutcome = { ok: true; tokens: TokenPair } | { ok: false; reason: 'INVALID_CREDENTIALS' | 'USER_BANNED' };
export type RefreshOutcome = { ok: true; tokens: TokenPair } | { ok: false; reason: 'INVALID_TOKEN' | 'USER_BANNED' };

export function createAccounts(deps: AccountsDeps) {
  const { db, signer } = deps;

  async function tokenPair(user: UserRow, refreshToken: string): Promise<TokenPair> {
    return {
      accessToken: await signer.sign(user),
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: deps.accessTokenTtlSeconds,
      user: await userView(db, user),
    };
  }

  async function signup(input: { username: string; password: string; timezone: string }): Promise<SignupOutcome> {
    const passwordHash = await hashPassword(input.password);
    try {
      const row = await insertUser(db, { username: input.username, passwordHash, timezone: input.timezone });
      return { ok: true, user: await userView(db, row) };
    } catch (err) {
      // The unique index on lower(username) decides races between concurrent signups.
      if (isUniqueViolation(err, USERNAME_UNIQUE_INDEX)) return { ok: false, reason: 'USERNAME_TAKEN' };
      throw err;
    }
  }

  /** On success: the login, its outbox event and the refresh token commit together or not at all. */
  async function login(input: { username: string; password: string }): Promise<LoginOutcome> {
    const found = await findUserByUsername(db, input.username);
    // Always run argon2 (against a dummy hash for unknown users) so timing reveals nothing.
    const passwordOk = await deps.checkPassword(found?.password_hash, input.password);
    if (!found || !passwordOk) return { ok: false, reason: 'INVALID_CREDENTIALS' };
    if (found.status === 'banned') return { ok: false, reason: 'USER_BANNED' };

    const refresh = newRefreshToken();
    const user = await db.transaction().execute(async (trx) => {
      const updated = await recordLogin(trx, found.id);
      if (!updated) return undefined; // banned between the password check and now
      await insertLoginEvent(trx, updated.id);
      await insertRefreshToken(trx, {
        userId: updated.id,
        familyId: randomUUID(),
        hash: refresh.hash,
        ttlSeconds: deps.refreshTokenTtlSeconds,
      });
      return updated;
    });
    if (!user) return { ok: false, reason: 'USER_BANNED' };
    return { ok: true, tokens: await tokenPair(user, refresh.token) };
  }

  /**
   * Rotates a refresh token. Presenting a token that was already rotated means it leaked (or a
   * client raced itself): the whole family is revoked, and that revocation is committed.
   */
  async function refresh(token: string): Promise<RefreshOutcome> {
    const next = newRefreshToken();
    const result = await db.transaction().execute(async (trx) => {
      const current = await lockRefreshToken(trx, hashRefreshToken(token));
      if (!current || current.revoked_at) return { ok: false as const, reason: 'INVALID_TOKEN' as const };
      if (current.used_at) {
        await revokeFamily(trx, current.family_id);
        return { ok: false as const, reason: 'INVALID_TOKEN' as const };
      }
      if (current.expired) return { ok: false as const, reason: 'INVALID_TOKEN' as const };
      const user = await findUserById(trx, current.user_id);
      if (!user) return { ok: false as const, reason: 'INVALID_TOKEN' as const };
      if (user.status === 'banned') {
        await revokeFamily(trx, current.family_id);
        return { ok: false as const, reason: 'USER_BANNED' as const };
      }
      await markRefreshTokenUsed(trx, current.id);
      await insertRefreshToken(trx, {
        userId: user.id,
        familyId: current.family_id,
        hash: next.hash,
        ttlSeconds: deps.refreshTokenTtlSeconds,
      });
      return { ok: true as const, user };
    });
    if (!result.ok) return result;
    return { ok: true, tokens: await tokenPair(result.user, next.token) };
  }

  /** Ends the session the token belongs to; someone else's (or an unknown) token is left alone. */
  async function logout(callerId: string, token: string): Promise<void> {
    const row = await findRefreshToken(db, hashRefreshToken(token));
    if (row && row.user_id === callerId) await revokeFamily(db, row.family_id);
  }

  return { signup, login, refresh, logout };
}

export type Accounts = ReturnType<typeof createAccounts>;
