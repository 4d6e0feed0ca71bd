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

/** Verifies EdDSA access tokens against a key set (the auth service's JWKS, or its local keys). */
export function createTokenVerifier(keys: JWTVerifyGetKey): TokenVerifier {
  return async (token) => {
    const { payload } = await jwtVerify(token, keys, {
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      algorithms: ['EdDSA'],
    });
    const { sub, role, status, tz } = payload as Record<string, unknown>;
    if (typeof sub !== 'string' || !UUID.test(sub) || (role !== 'player' && role !== 'admin') || typeof tz !== 'string') {
      throw new Error('token claims incomplete');
    }
    if (status !== 'new' && status !== 'active' && status !== 'banned') throw new Error('token status invalid');
    return { id: sub, role, status, timezone: tz };
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
