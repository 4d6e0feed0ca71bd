import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, requireAuth, type GuardOptions, type TokenVerifier } from '@questline/platform';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * requireAuth, plus a check that the subject is a uuid: our tables key users by uuid, and a
 * token with any other subject must be refused here rather than fail inside SQL.
 */
export function authenticated(verify: TokenVerifier, opts: GuardOptions = {}) {
  const guard = requireAuth(verify, opts);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    await guard(request, reply);
    if (!UUID.test(request.user?.id ?? '')) throw new AppError(401, 'UNAUTHENTICATED', 'token subject is not a user id');
  };
}
