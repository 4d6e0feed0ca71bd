import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from './errors.js';

export const INTERNAL_TOKEN_HEADER = 'x-internal-token';

/** Guards /internal/* routes: callers are our own services, holding the shared internal token. */
export function requireInternal(expected: string) {
  const want = Buffer.from(expected);
  return async (request: FastifyRequest) => {
    const got = Buffer.from(String(request.headers[INTERNAL_TOKEN_HEADER] ?? ''));
    if (got.length !== want.length || !timingSafeEqual(got, want)) {
      throw new AppError(401, 'UNAUTHENTICATED', 'internal token required');
    }
  };
}
