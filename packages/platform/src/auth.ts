import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, userBanned } from './errors.js';
import { UpstreamError } from './http-client.js';
import { createJwksSource, KeysUnavailableError, type JwksSourceOptions } from './jwks-source.js';
import { ExpiringMemory } from './single-flight.js';
import { isUuid } from './uuid.js';
import { isApiKeyCredential, type ApiKeyVerifier, type Scope } from './api-keys.js';

export const TOKEN_ISSUER = 'questline-auth';
export const TOKEN_AUDIENCE = 'questline';

export type Role = 'player' | 'admin';
export type UserStatus = 'new' | 'active' | 'banned';

/** The caller's identity as carried by a verified access token. */
export interface AuthUser {
  id: string;
  role: Role;
  status: UserStatus;
  timezone: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: AuthUser;
  }
}

export type TokenVerifier = (token: string) => Promise<AuthUser>;

export interface VerifierOptions {
  /** Verified tokens remembered (oldest dropped first); 0 turns the cache off. */
  cacheSize?: number;
  /** How long a verification is trusted, at most (and never past the token's own exp). */
  cacheTtlMs?: number;
  now?: () => number;
}

/**
 * Verifies EdDSA access tokens against a key set (the auth service's JWKS, or its local keys).
 *
 * A client sends the same token with every request for its whole lifetime, and an Ed25519
 * verification costs 100–300 µs of CPU on the request path (twice per request: the gateway and the
 * owning service each check). So successful verifications are remembered by the exact token string
 * (its signature included: a changed token is a different key) for at most a minute and never past
 * the token's exp. The price: a token whose key was retired from the JWKS is still accepted for up
 * to a minute after the key set dropped it (see createJwksSource for the whole bound).
 */
export function createTokenVerifier(keys: JWTVerifyGetKey, opts: VerifierOptions = {}): TokenVerifier {
  const cacheSize = opts.cacheSize ?? 10_000;
  const ttlMs = opts.cacheTtlMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const verified = new ExpiringMemory<string, AuthUser>(cacheSize, now);
  return async (token) => {
    const hit = verified.get(token);
    if (hit) return hit;
    const { payload } = await jwtVerify(token, keys, {
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      algorithms: ['EdDSA'],
      currentDate: new Date(now()),
    });
    const { sub, role, status, tz } = payload as Record<string, unknown>;
    if (!isUuid(sub) || (role !== 'player' && role !== 'admin') || typeof tz !== 'string') {
      throw new Error('token claims incomplete');
    }
    if (status !== 'new' && status !== 'active' && status !== 'banned') throw new Error('token status invalid');
    const user: AuthUser = { id: sub, role, status, timezone: tz };
    if (typeof payload.exp === 'number') verified.set(token, user, Math.min(now() + ttlMs, payload.exp * 1000));
    return user;
  };
}

export type RemoteTokenVerifier = TokenVerifier & { close(): void };

/**
 * A verifier against the auth service's JWKS, held in memory and refreshed in the background
 * (createJwksSource): verification never waits on auth while a key set is held, keeps working
 * through an auth outage, and a retired key stops working within the refresh interval + one fetch
 * + the memory of verified tokens (60 + 2 + 60 s by default, while auth answers). close() stops the
 * refresh (call it in the app's onClose).
 */
export function remoteTokenVerifier(jwksUrl: string, opts: JwksSourceOptions & VerifierOptions = {}): RemoteTokenVerifier {
  const source = createJwksSource(jwksUrl, opts);
  return Object.assign(createTokenVerifier(source.getKey, opts), { close: () => source.close() });
}

/** The token of an `Authorization: Bearer <token>` header; undefined for any other header or none. */
export function parseBearer(header: string | undefined): string | undefined {
  return header ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
}

/**
 * The caller on a route where a token is optional: a valid token's user; a missing, invalid or
 * banned one is treated as no token at all (a public route answers it as anyone else).
 */
export async function optionalCaller(verify: TokenVerifier, authorization: string | undefined): Promise<AuthUser | undefined> {
  const token = parseBearer(authorization);
  if (!token) return undefined;
  try {
    const user = await verify(token);
    return user.status === 'banned' ? undefined : user;
  } catch {
    return undefined;
  }
}

/** A user's role and status as the deciding service knows them now; null = no such user. */
export type LiveUser = Pick<AuthUser, 'role' | 'status'>;
/** Looks up the live state of a user; an unreachable source throws UpstreamError (→ 503). */
export type UserConfirmer = (userId: string, requestId: string) => Promise<LiveUser | null>;

export interface GuardOptions {
  /** Tokens must carry this role (an admin's token holds every scope). */
  role?: Role;
  /**
   * The route also accepts an API key holding this scope (checked with `keys`): a key without it is
   * 403 naming the scope; a key on a route without a scope is 403 (keys are for server routes).
   */
  scope?: Scope;
  keys?: ApiKeyVerifier;
  /**
   * Decide on the user's live role and status instead of the token's: a token lives 15 minutes,
   * a ban or a demotion must not. Asked only once the token itself passed (a cheap reject first).
   */
  confirm?: UserConfirmer;
}

async function confirmLive(confirm: UserConfirmer, user: AuthUser, request: FastifyRequest, role?: Role): Promise<AuthUser> {
  let live: LiveUser | null;
  try {
    live = await confirm(user.id, String(request.id));
  } catch (err) {
    if (err instanceof UpstreamError) throw new AppError('UPSTREAM_UNAVAILABLE', 'the auth service could not be reached; retry', undefined, { 'retry-after': '1' });
    throw err;
  }
  if (!live) throw new AppError('UNAUTHENTICATED', 'the account of this token no longer exists');
  if (live.status === 'banned') throw userBanned();
  if (role && live.role !== role) throw new AppError('FORBIDDEN', `requires role ${role}`);
  return { ...user, role: live.role, status: live.status };
}

/**
 * A preHandler that requires a valid access token (and optionally a role). Banned users are
 * refused here even while their token is still valid, as far as the token knows; with `confirm`,
 * the live role and status decide (admin routes of catalog and progress). A token that cannot be
 * checked now (no key set and auth unreachable) is a 503, not a 401: the client did nothing wrong.
 */
export type AuthGuard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export function requireAuth(verify: TokenVerifier, opts: GuardOptions = {}): AuthGuard {
  return async (request, _reply) => {
    const token = parseBearer(request.headers.authorization);
    if (!token) throw new AppError('UNAUTHENTICATED', 'missing bearer token');
    if (isApiKeyCredential(token)) return checkApiKey(token, request, opts);
    let user: AuthUser;
    try {
      user = await verify(token);
    } catch (err) {
      if (err instanceof KeysUnavailableError) {
        throw new AppError('UPSTREAM_UNAVAILABLE', 'access tokens cannot be checked now; retry', undefined, { 'retry-after': '1' });
      }
      throw new AppError('UNAUTHENTICATED', 'invalid or expired access token');
    }
    if (user.status === 'banned') throw userBanned();
    if (opts.role && user.role !== opts.role) throw new AppError('FORBIDDEN', `requires role ${opts.role}`);
    request.user = opts.confirm ? await confirmLive(opts.confirm, user, request, opts.role) : user;
  };
}

async function checkApiKey(secret: string, request: FastifyRequest, opts: GuardOptions): Promise<void> {
  if (!opts.keys) throw new AppError('UNAUTHENTICATED', 'API keys are not accepted on this route; send an access token');
  let key;
  try {
    key = await opts.keys(secret, String(request.id));
  } catch (err) {
    if (err instanceof UpstreamError) throw new AppError('UPSTREAM_UNAVAILABLE', 'API keys cannot be checked now; retry', undefined, { 'retry-after': '1' });
    throw err;
  }
  if (!key) throw new AppError('UNAUTHENTICATED', 'unknown or revoked API key');
  if (!opts.scope) throw new AppError('FORBIDDEN', "API keys cannot call this route; it takes a user's access token");
  if (!key.scopes.includes(opts.scope)) throw new AppError('FORBIDDEN', `requires scope ${opts.scope}`);
  request.apiKey = key;
}

/** The authenticated caller; only valid after a requireAuth preHandler. */
export function callerOf(request: FastifyRequest): AuthUser {
  if (!request.user) throw new AppError('UNAUTHENTICATED', 'not authenticated');
  return request.user;
}
