import { AppError, actorOf, decodeCursor, isUuid, principalOf } from '@questline/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bodyEtag, etagMatches } from '../domain/etag.js';
import type { Outcome } from '../domain/outcome.js';
import type { Actor } from '../context.js';

/** Unwraps an outcome, turning an expected failure into the api.md error. */
export function orFail<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  const { code, message, field } = outcome.failure;
  throw new AppError(code, message, field);
}

/** Who the audit names for this request (after the guard): `user:<id>` or `key:<id>`. */
export function actorOfRequest(request: FastifyRequest): Actor {
  const principal = principalOf(request);
  if (!principal) throw new AppError('UNAUTHENTICATED', 'not authenticated');
  return { id: actorOf(principal) };
}

export const PUBLIC_CACHE_CONTROL = 'public, max-age=5';

/**
 * Public GETs are cacheable for a few seconds and revalidated by ETag: a matching
 * If-None-Match gets 304 with no body. Returns true when the 304 has been sent.
 */
export function notModified(request: FastifyRequest, reply: FastifyReply, body: unknown): boolean {
  const etag = bodyEtag(body);
  reply.header('etag', etag).header('cache-control', PUBLIC_CACHE_CONTROL);
  if (!etagMatches(request.headers['if-none-match'], etag)) return false;
  void sendEmpty(reply, 304);
  return true;
}

/** 204/304 without a payload, so that no content-type or content-length is sent. */
export function sendEmpty(reply: FastifyReply, status: 204 | 304): FastifyReply {
  return reply.code(status).send();
}

// eslint-disable-next-line no-control-regex -- NUL is exactly what a cursor must not carry into SQL
const SAFE_TEXT = /^[^\u0000]{0,200}$/;

export const decodeKeyCursor = (cursor: string | undefined) =>
  decodeCursor(cursor, (v): v is string => typeof v === 'string' && SAFE_TEXT.test(v));

export const decodeNameIdCursor = (cursor: string | undefined) =>
  decodeCursor(
    cursor,
    (v): v is [string, string] =>
      Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && SAFE_TEXT.test(v[0]) && isUuid(v[1]),
  );

export const decodeIdCursor = (cursor: string | undefined) =>
  decodeCursor(cursor, (v): v is number => Number.isSafeInteger(v) && (v as number) > 0);
