import type { FastifyRequest } from 'fastify';
import { AppError, callerOf, principalOf, userBanned, requireAuth, type Principal, type Scope, type TokenVerifier } from '@questline/platform';
import type { AuthContext } from '../context.js';
import type { UserRecord } from '../domain/users.js';
import { findUser } from '../use-cases/users.use-case.js';

const liveUsers = new WeakMap<FastifyRequest, UserRecord>();

/**
 * The caller as the database knows them now. Tokens live for minutes; a ban or a demotion must
 * take effect at once, so auth's own routes never trust the token's status or role alone.
 */
async function loadLiveCaller(ctx: AuthContext, request: FastifyRequest): Promise<UserRecord> {
  const user = await findUser(ctx, callerOf(request).id);
  if (!user) throw new AppError('UNAUTHENTICATED', 'the account of this token no longer exists');
  if (user.status === 'banned') throw userBanned();
  liveUsers.set(request, user);
  return user;
}

/** The caller's row as loaded by the guard of this request. */
export function liveCaller(request: FastifyRequest): UserRecord {
  const user = liveUsers.get(request);
  if (!user) throw new AppError('UNAUTHENTICATED', 'not authenticated');
  return user;
}

/*
 * The guards run as onRequest hooks, before the body is parsed and validated: a caller without a
 * valid token learns nothing about what a valid request would look like, and bodies of
 * unauthenticated requests are never parsed.
 *
 * The user and admin guards check API keys too, only to refuse them precisely: a valid key on a
 * route no scope opens is 403 (keys are for server routes, and keys never manage keys), an unknown
 * one 401.
 */
export function userGuard(ctx: AuthContext, verify: TokenVerifier) {
  return [requireAuth(verify, { keys: ctx.apiKeys }), async (request: FastifyRequest) => void (await loadLiveCaller(ctx, request))];
}

export function adminGuard(ctx: AuthContext, verify: TokenVerifier) {
  return [
    requireAuth(verify, { role: 'admin', keys: ctx.apiKeys }),
    async (request: FastifyRequest) => {
      const user = await loadLiveCaller(ctx, request);
      if (user.role !== 'admin') throw new AppError('FORBIDDEN', 'requires role admin');
    },
  ];
}

/**
 * A server route: an admin's token, or an API key holding `scope` (checked by auth's own key
 * verifier, ctx.apiKeys). For a token the live admin is loaded as in adminGuard; a key was just
 * checked against the database (through a cache of a couple of seconds), so nothing more is needed.
 */
export function scopedGuard(ctx: AuthContext, verify: TokenVerifier, scope: Scope) {
  return [
    requireAuth(verify, { role: 'admin', scope, keys: ctx.apiKeys }),
    async (request: FastifyRequest) => {
      if (request.apiKey) return;
      const user = await loadLiveCaller(ctx, request);
      if (user.role !== 'admin') throw new AppError('FORBIDDEN', 'requires role admin');
    },
  ];
}

/** The caller of a route guarded by scopedGuard or adminGuard: a key or a user. */
export function principal(request: FastifyRequest): Principal {
  const found = principalOf(request);
  if (!found) throw new AppError('UNAUTHENTICATED', 'not authenticated');
  return found;
}
