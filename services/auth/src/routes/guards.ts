import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { AppError, callerOf, requireAuth, userBanned, type TokenVerifier } from '@questline/platform';
import type { AuthDatabase, UserRow } from '../db/schema.js';
import { findUserById } from '../db/users.repository.js';

const liveUsers = new WeakMap<FastifyRequest, UserRow>();

/**
 * The caller as the database knows them now. Tokens live for minutes; a ban or a demotion must
 * take effect at once, so auth's own routes never trust the token's status or role alone.
 */
async function loadLiveCaller(db: Kysely<AuthDatabase>, request: FastifyRequest): Promise<UserRow> {
  const user = await findUserById(db, callerOf(request).id);
  if (!user) throw new AppError('UNAUTHENTICATED', 'the account of this token no longer exists');
  if (user.status === 'banned') throw userBanned();
  liveUsers.set(request, user);
  return user;
}

/** The caller's row as loaded by the guard of this request. */
export function liveCaller(request: FastifyRequest): UserRow {
  const user = liveUsers.get(request);
  if (!user) throw new AppError('UNAUTHENTICATED', 'not authenticated');
  return user;
}

/*
 * The guards run as onRequest hooks, before the body is parsed and validated: a caller without a
 * valid token learns nothing about what a valid request would look like, and bodies of
 * unauthenticated requests are never parsed.
 */
export function userGuard(db: Kysely<AuthDatabase>, verify: TokenVerifier) {
  return [requireAuth(verify), async (request: FastifyRequest) => void (await loadLiveCaller(db, request))];
}

export function adminGuard(db: Kysely<AuthDatabase>, verify: TokenVerifier) {
  return [
    requireAuth(verify, { role: 'admin' }),
    async (request: FastifyRequest) => {
      const user = await loadLiveCaller(db, request);
      if (user.role !== 'admin') throw new AppError('FORBIDDEN', 'requires role admin');
    },
  ];
}
