import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './errors.js';

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

// Users are keyed by uuid everywhere; a token with any other subject is refused here rather than
// failing inside SQL.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
 * the token's exp. The price: a key retired from the JWKS stops working up to a minute later.
 */
export function createTokenVerifier(keys: JWTVerifyGetKey, opts: VerifierOptions = {}): TokenVerifier {
  const cacheSize = opts.cacheSize ?? 10_000;
  const ttlMs = opts.cacheTtlMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const verified = new Map<string, { user: AuthUser; until: number }>();
  return async (token) => {
    const hit = verified.get(token);
    if (hit) {
      if (now() < hit.until) return hit.user;
      verified.delete(token);
    }
    const { payload } = await jwtVerify(token, keys, {
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      algorithms: ['EdDSA'],
      currentDate: new Date(now()),
    });
    const { sub, role, status, tz } = payload as Record<string, unknown>;
    if (typeof sub !== 'string' || !UUID.test(sub) || (role !== 'player' && role !== 'admin') || typeof tz !== 'string') {
      throw new Error('token claims incomplete');
    }
    if (status !== 'new' && status !== 'active' && status !== 'banned') throw new Error('token status invalid');
    const user: AuthUser = { id: sub, role, status, timezone: tz };
    if (cacheSize > 0 && typeof payload.exp === 'number') {
      if (verified.size >= cacheSize) verified.delete(verified.keys().next().value!);
      verified.set(token, { user, until: Math.min(now() + ttlMs, payload.exp * 1000) });
    }
    return user;
  };
}

/** A verifier that fetches the auth service's JWKS, caches it and refetches on an unknown kid. */
export function remoteTokenVerifier(jwksUrl: string): TokenVerifier {
  return createTokenVerifier(createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 2_000 }));
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

export interface GuardOptions {
  role?: Role;
}

/**
 * A preHandler that requires a valid access token (and optionally a role). Banned users are
 * refused here even while their token is still valid, as far as the token knows; services that
 * must see a ban immediately also ask the auth service (see each service's own checks).
 */
export function requireAuth(verify: TokenVerifier, opts: GuardOptions = {}) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const token = bearer(request);
    if (!token) throw new AppError(401, 'UNAUTHENTICATED', 'missing bearer token');
    let user: AuthUser;
    try {
      user = await verify(token);
    } catch {
      throw new AppError(401, 'UNAUTHENTICATED', 'invalid or expired access token');
    }
    if (user.status === 'banned') throw new AppError(403, 'USER_BANNED', 'this account is banned');
    if (opts.role && user.role !== opts.role) throw new AppError(403, 'FORBIDDEN', `requires role ${opts.role}`);
    request.user = user;
  };
}

/** The authenticated caller; only valid after a requireAuth preHandler. */
export function callerOf(request: FastifyRequest): AuthUser {
  if (!request.user) throw new AppError(401, 'UNAUTHENTICATED', 'not authenticated');
  return request.user;
}
