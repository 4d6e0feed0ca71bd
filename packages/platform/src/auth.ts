import { KeyObject, type webcrypto } from 'node:crypto';
import type { JWTVerifyGetKey } from 'jose';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, userBanned } from './errors.js';
import { UpstreamError } from './http-client.js';
import { createJwksSource, KeysUnavailableError, type JwksSourceOptions, type TokenKeys } from './jwks-source.js';
import { checkClaims, parseJwt, signatureValid, TokenRejected } from './ed25519-jwt.js';
import { ExpiringMemory } from './single-flight.js';
import { isUuid } from './uuid.js';
import { isApiKeyCredential, type ApiKeyCaller, type ApiKeyVerifier, type Scope } from './api-keys.js';

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

/** A caller the gateway already verified (identity-assertion.ts): a token's user or an API key. */
export type AssertedCaller = { kind: 'user'; user: AuthUser } | { kind: 'key'; key: ApiKeyCaller };

declare module 'fastify' {
  interface FastifyRequest {
    user?: AuthUser;
    /** Set by the identity-assertion hook when the gateway vouched for the caller of this request. */
    assertedCaller?: AssertedCaller;
  }
}

export type TokenVerifier = (token: string) => Promise<AuthUser>;

export interface VerifierOptions {
  /** Verified tokens remembered (oldest dropped first); 0 turns the cache off. */
  cacheSize?: number;
  now?: () => number;
}

/**
 * A jose key function (createLocalJWKSet, createRemoteJWKSet) as TokenKeys, each key converted to
 * a KeyObject once. It cannot tell when a key is retired, so `held` is the key last resolved for
 * the kid: with such a function a remembered verification lasts until the token's exp. Our own
 * sources (createJwksSource, localKeySet) do not have that limit.
 */
function fromKeyFunction(getKey: JWTVerifyGetKey): TokenKeys {
  const converted = new WeakMap<object, KeyObject>();
  const last = new Map<string, KeyObject>();
  return {
    async resolve(kid) {
      let found: unknown;
      try {
        found = await getKey({ alg: 'EdDSA', kid }, { payload: '', signature: '' });
      } catch (err) {
        if (err instanceof KeysUnavailableError) throw err;
        throw new TokenRejected(err instanceof Error ? err.message : 'no applicable key found');
      }
      let key: KeyObject;
      if (found instanceof KeyObject) key = found;
      else if (found && typeof found === 'object' && 'type' in found && 'algorithm' in found) {
        key = converted.get(found) ?? KeyObject.from(found as webcrypto.CryptoKey);
        converted.set(found, key);
      } else throw new TokenRejected('the key function returned no public key');
      last.set(kid, key);
      return key;
    },
    held: (kid) => last.get(kid),
  };
}

interface Remembered {
  user: AuthUser;
  kid: string;
  key: KeyObject;
}

const NO_APPLICABLE_KEY = 'no applicable key found in the key set';

/**
 * Verifies EdDSA access tokens against a key set (the auth service's JWKS, or its local keys) with
 * `node:crypto` (ed25519-jwt.ts): strict parsing, alg EdDSA only, the kid looked up in the key set.
 *
 * A client sends the same token with every request for its whole lifetime, and an Ed25519
 * verification costs ~180 µs of CPU on the request path. So successful verifications are
 * remembered by the exact token string (its signature included: a changed token is a different
 * key) until the token's exp, up to `cacheSize` tokens (oldest dropped first). A remembered token
 * is trusted only while the key set still holds the very key it was checked with (`held`), so a
 * key retired from the JWKS ends its tokens' memory at the next refresh: the bound of
 * createJwksSource (60 + 2 s by default) holds with or without the memory.
 */
export function createTokenVerifier(keySource: TokenKeys | JWTVerifyGetKey, opts: VerifierOptions = {}): TokenVerifier {
  const keys = typeof keySource === 'function' ? fromKeyFunction(keySource) : keySource;
  const cacheSize = opts.cacheSize ?? 10_000;
  const now = opts.now ?? Date.now;
  const verified = new ExpiringMemory<string, Remembered>(cacheSize, now);
  return async (token) => {
    const hit = verified.get(token);
    if (hit && keys.held(hit.kid) === hit.key) return hit.user;
    const jwt = parseJwt(token);
    let key: KeyObject;
    try {
      key = await keys.resolve(jwt.header.kid);
    } catch (err) {
      if (err instanceof TokenRejected) throw new TokenRejected(NO_APPLICABLE_KEY);
      throw err;
    }
    if (!signatureValid(jwt, key)) throw new TokenRejected('signature verification failed');
    const { payload } = jwt;
    const { exp } = checkClaims(payload, { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, nowMs: now() });
    const { sub, role, status, tz } = payload;
    if (!isUuid(sub) || (role !== 'player' && role !== 'admin') || typeof tz !== 'string') {
      throw new TokenRejected('token claims incomplete');
    }
    if (status !== 'new' && status !== 'active' && status !== 'banned') throw new TokenRejected('token status invalid');
    const user: AuthUser = { id: sub, role, status, timezone: tz };
    verified.set(token, { user, kid: jwt.header.kid, key }, exp * 1000);
    return user;
  };
}

export type RemoteTokenVerifier = TokenVerifier & { close(): void };

/**
 * A verifier against the auth service's JWKS, held in memory and refreshed in the background
 * (createJwksSource): verification never waits on auth while a key set is held, keeps working
 * through an auth outage, and a retired key stops working within the refresh interval + one fetch
 * (60 + 2 s by default, while auth answers; remembered verifications end with their key). close()
 * stops the refresh (call it in the app's onClose).
 */
export function remoteTokenVerifier(jwksUrl: string, opts: JwksSourceOptions & VerifierOptions = {}): RemoteTokenVerifier {
  const source = createJwksSource(jwksUrl, opts);
  return Object.assign(createTokenVerifier(source, opts), { close: () => source.close() });
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

/**
 * optionalCaller for a request: the user the gateway vouched for (identity-assertion.ts) when it
 * did, dropped like a token when banned; otherwise the request's own bearer token, if any.
 */
export async function optionalCallerOf(request: FastifyRequest, verify: TokenVerifier): Promise<AuthUser | undefined> {
  const asserted = request.assertedCaller;
  if (asserted) return asserted.kind === 'user' && asserted.user.status !== 'banned' ? asserted.user : undefined;
  return optionalCaller(verify, request.headers.authorization);
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
    // The gateway verified the credential of this request and vouched for the caller: the same
    // decisions follow (ban, role, scope, live confirmation), only the signature check is spared.
    const asserted = request.assertedCaller;
    if (asserted) {
      if (asserted.kind === 'key') return admitKey(asserted.key, request, opts);
      return admitUser(asserted.user, request, opts);
    }
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
    return admitUser(user, request, opts);
  };
}

async function admitUser(user: AuthUser, request: FastifyRequest, opts: GuardOptions): Promise<void> {
  if (user.status === 'banned') throw userBanned();
  if (opts.role && user.role !== opts.role) throw new AppError('FORBIDDEN', `requires role ${opts.role}`);
  request.user = opts.confirm ? await confirmLive(opts.confirm, user, request, opts.role) : user;
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
  admitKey(key, request, opts);
}

function admitKey(key: ApiKeyCaller, request: FastifyRequest, opts: GuardOptions): void {
  if (!opts.keys) throw new AppError('UNAUTHENTICATED', 'API keys are not accepted on this route; send an access token');
  if (!opts.scope) throw new AppError('FORBIDDEN', "API keys cannot call this route; it takes a user's access token");
  if (!key.scopes.includes(opts.scope)) throw new AppError('FORBIDDEN', `requires scope ${opts.scope}`);
  request.apiKey = key;
}

/** The authenticated caller; only valid after a requireAuth preHandler. */
export function callerOf(request: FastifyRequest): AuthUser {
  if (!request.user) throw new AppError('UNAUTHENTICATED', 'not authenticated');
  return request.user;
}
