import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '@questline/platform';
import type { AuthDatabase, UserRow } from '../db/schema.js';
import { USERNAME_UNIQUE_INDEX, findUserById, findUserByUsername, insertUser } from '../db/users.repository.js';
import { commitLogin } from '../db/logins.repository.js';
import {
  findRefreshToken,
  insertRefreshToken,
  lockRefreshToken,
  markRefreshTokenUsed,
  revokeFamily,
} from '../db/tokens.repository.js';
import { insertOutboxRow } from '../db/outbox.repository.js';
import { enqueueWebhookMessage } from '../db/webhook-messages.repository.js';
import { userCreatedMessage } from '../domain/webhook-events.js';
import type { Passwords } from '../domain/passwords.js';
import { isAcceptablePasswordText, isCommonPassword } from '../domain/password-policy.js';
import type { LoginThrottle } from './login-throttle.use-case.js';
import { hashRefreshToken, newRefreshToken, type AccessTokenSigner } from '../domain/tokens.js';
import type { UserView } from '../domain/users.js';
import { userView } from './users.use-case.js';

export interface AccountsDeps {
  db: Kysely<AuthDatabase>;
  signer: AccessTokenSigner;
  passwords: Passwords;
  commonPasswords: ReadonlySet<string>;
  throttle: LoginThrottle;
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

export type SignupOutcome =
  | { ok: true; user: UserView }
  | { ok: false; reason: 'USERNAME_TAKEN' | 'COMMON_PASSWORD' | 'ILL_FORMED_PASSWORD' };
export type LoginOutcome =
  | { ok: true; tokens: TokenPair; profileChanged: boolean }
  | { ok: false; reason: 'INVALID_CREDENTIALS' | 'USER_BANNED' | 'ILL_FORMED_PASSWORD' }
  | { ok: false; reason: 'RATE_LIMITED'; retryAfterSeconds: number };
export type RefreshOutcome = { ok: true; tokens: TokenPair } | { ok: false; reason: 'INVALID_TOKEN' | 'USER_BANNED' };

export function createAccounts(deps: AccountsDeps) {
  const { db, signer, passwords, throttle } = deps;

  async function tokenPair(user: UserRow, refreshToken: string): Promise<TokenPair> {
    return {
      accessToken: await signer.sign(user),
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: deps.accessTokenTtlSeconds,
      user: await userView(db, user),
    };
  }

  /** The user and its first profile update for progress commit together. */
  async function signup(input: { username: string; password: string; timezone: string }): Promise<SignupOutcome> {
    if (!isAcceptablePasswordText(input.password)) return { ok: false, reason: 'ILL_FORMED_PASSWORD' };
    if (isCommonPassword(deps.commonPasswords, input.password)) return { ok: false, reason: 'COMMON_PASSWORD' };
    const passwordHash = await passwords.hash(input.password);
    try {
      const row = await db.transaction().execute(async (trx) => {
        const user = await insertUser(trx, { username: input.username, passwordHash, timezone: input.timezone });
        await insertOutboxRow(trx, user.id, 'profile');
        await enqueueWebhookMessage(trx, userCreatedMessage(user));
        return user;
      });
      return { ok: true, user: await userView(db, row) };
    } catch (err) {
      // The unique index on lower(username) decides races between concurrent signups.
      if (isUniqueViolation(err, USERNAME_UNIQUE_INDEX)) return { ok: false, reason: 'USERNAME_TAKEN' };
      throw err;
    }
  }

  /**
   * Throttled before the password is looked at, so a throttled attacker learns nothing more. On
   * success the login, its outbox event(s), the refresh token and any re-hash commit together
   * (commitLogin), or not at all when the user was banned in the meantime. An ill-formed password
   * is bad input, refused before anything is counted or verified: as UTF-8 it would verify like
   * the same text with U+FFFD in place of each lone surrogate.
   */
  async function login(input: { username: string; password: string; ip: string }): Promise<LoginOutcome> {
    if (!isAcceptablePasswordText(input.password)) return { ok: false, reason: 'ILL_FORMED_PASSWORD' };
    const verdict = await throttle.begin(input.username, input.ip);
    if (!verdict.allowed) return { ok: false, reason: 'RATE_LIMITED', retryAfterSeconds: verdict.retryAfterSeconds };

    const found = await findUserByUsername(db, input.username);
    // Always runs argon2 (against a dummy hash for unknown users, and for users created by external
    // id, who have no password) so timing reveals nothing, and both get the same answer.
    const storedHash = found?.password_hash ?? undefined;
    const check = await passwords.check(storedHash, input.password);
    // A failure stays counted: throttle.begin already counted this attempt.
    if (!found || storedHash === undefined || !check.ok) return { ok: false, reason: 'INVALID_CREDENTIALS' };
    await throttle.succeeded(input.username, input.ip);
    if (found.status === 'banned') return { ok: false, reason: 'USER_BANNED' };

    // Before the write, which then holds the user row only for one statement. Hashes the NFC form,
    // which also moves a hash made from an un-normalised password to the normalised one.
    const upgradedHash = check.needsRehash ? await passwords.hash(input.password) : undefined;
    const refresh = newRefreshToken();
    const user = await commitLogin(db, {
      userId: found.id,
      refreshFamilyId: randomUUID(),
      refreshTokenHash: refresh.hash,
      refreshTtlSeconds: deps.refreshTokenTtlSeconds,
      rehash: upgradedHash ? { verifiedHash: storedHash, upgradedHash } : undefined,
    });
    if (!user) return { ok: false, reason: 'USER_BANNED' };
    return { ok: true, tokens: await tokenPair(user, refresh.token), profileChanged: user.profile_version !== found.profile_version };
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
