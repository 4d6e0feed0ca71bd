import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { AppError, callerOf, requireAuth, type TokenVerifier } from '@questline/platform';
import type { AuthDatabase, UserRow } from '../db/schema.js';
import { findUserById } from '../db/users.repository.js';

/**
 * The caller as the database knows them now. Tokens live for minutes; a ban or a demotion must
 * take effect at once, so auth's own routes never trust the token's status or role alone.
 */
export async function liveCaller(db: Kysely<AuthDatabase>, request: FastifyRequest): Promise<UserRow> {
  const user = await findUserById(db, callerOf(request).id);
  if (!user) throw new AppError(401, 'UNAUTHENTICATED', 'the account of this token no longer exists');
  if (user.status === 'banned') throw new AppError(403, 'USER_BANNED', 'this account is banned');
  return user;
}

export function userGuard(verify: TokenVerifier) {
  return [requireAuth(verify)];
}

export function adminGuard(db: Kysely<AuthDatabase>, verify: TokenVerifier) {
  return [
    requireAuth(verify, { role: 'admin' }),
    async (request: FastifyRequest) => {
      const user = await liveCaller(db, request);
      if (user.role !== 'admin') throw new AppError(403, 'FORBIDDEN', 'requires role admin');
    },
  ];
}
