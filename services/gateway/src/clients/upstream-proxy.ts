import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Counter } from 'prom-client';
import { IDENTITY_HEADER, INTERNAL_HEADER_NAMES, sendError, signIdentity, type AssertedCaller } from '@questline/platform';
import type { CircuitBreaker } from '../domain/circuit-breaker.js';
import { classifyUpstreamError, retryDelay } from '../domain/upstream-failure.js';
import type { Upstream } from '../routes/route-table.js';

export interface UpstreamTarget {
  name: Upstream;
  timeoutMs: number;
  breaker: CircuitBreaker;
  failures: Counter<string>;
  rejections: Counter<string>;
  /** INTERNAL_TOKEN: signs the identity assertion of every request with a verified caller. */
  internalToken: string;
}

// Identity and signature headers a client must not be able to set on our behalf, and hop-by-hop ones.
const STRIPPED = new Set([...INTERNAL_HEADER_NAMES, 'x-user-id', 'x-user-role', 'connection', 'keep-alive', 'transfer-encoding', 'x-forwarded-for']);
const MAX_ERROR_BODY = 64 * 1024;
const HOP_BY_HOP_ANSWER = ['connection', 'keep-alive', 'proxy-connection', 'upgrade'];

function requestHeaders(request: FastifyRequest, headers: Record<string, unknown>, path: string, internalToken: string) {
  const out: Record<string, unknown> = {};
  for (const name in headers) if (!STRIPPED.has(name)) out[name] = headers[name];
  const requestId = String(request.id);
  out['x-request-id'] = requestId;
  // The caller verified here, for this request only (method, path, request id), so that the
  // service need not verify the token again (identity-assertion.ts). The path is the one sent on:
  // the edge routes canonical paths only, which the upstream URL keeps as they are.
  const caller: AssertedCaller | undefined = request.user
    ? { kind: 'user', user: request.user }
    : request.apiKey
      ? { kind: 'key', key: request.apiKey }
      : undefined;
  if (caller) out[IDENTITY_HEADER] = signIdentity(internalToken, { method: request.method, path, requestId }, caller);
  // The client address the edge limits counted (request.ip, per TRUST_PROXY), as the only entry:
  // the services trust the gateway's X-Forwarded-For, so a client's own entries must not reach them.
  out['x-forwarded-for'] = request.ip;
  if (request.user) {
    out['x-user-id'] = request.user.id;
    out['x-user-role'] = request.user.role;
  } else if (!request.apiKey) {
    // Only verified tokens and keys travel on: a bad token on a public route is dropped here (the
    // services treat it as no token anyway), so no service ever sees one. A verified key goes on
    // as it came (the service acts for the key named in the assertion; called directly, it
    // checks the key itself).
    delete out.authorization;
  }
  return out;
}

/**
 * Upstream 5xx answers are read (they are small) and passed on when they are in the api.md error
 * shape; anything else — a draining Fastify's 503, a proxy's HTML page — becomes our own error,
 * so the caller never sees an HTML page or a foreign error format.
 */
async function relayServerError(reply: FastifyReply, status: number, stream: Readable, upstream: Upstream) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size <= MAX_ERROR_BODY) chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let parsed: { error?: { code?: unknown } } | undefined;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  if (size <= MAX_ERROR_BODY && typeof parsed?.error?.code === 'string') return reply.send(text);
  for (const h of ['content-length', 'content-encoding', 'content-type', 'etag', 'cache-control']) reply.removeHeader(h);
  if (status === 503) return sendError(reply, 'UPSTREAM_UNAVAILABLE', `${upstream} is unavailable, retry later`);
  if (status === 504) return sendError(reply, 'UPSTREAM_TIMEOUT', `${upstream} did not answer in time`);
  return sendError(reply, 'UPSTREAM_ERROR', `${upstream} failed to answer properly`);
}

/**
 * Sends the request on to its upstream over the keep-alive pool: fails fast while the upstream's
 * circuit is open, retries an idempotent GET once on a connection error, maps failures to
 * 503/504 in the api.md error shape, and streams every other answer (4xx included) unchanged.
 */
export function forward(request: FastifyRequest, reply: FastifyReply, target: UpstreamTarget): FastifyReply {
  const { breaker, name } = target;
  if (!breaker.tryAcquire()) {
    target.rejections.inc({ upstream: name });
    reply.header('retry-after', String(breaker.retryAfterSeconds()));
    return sendError(reply, 'UPSTREAM_UNAVAILABLE', `${name} is unavailable, retry later`);
  }
  // Bodies were read (and size-limited) by the gateway; GET and HEAD have none.
  const body = Buffer.isBuffer(request.body) ? request.body : undefined;
  const path = request.url.split('?')[0] ?? '/';
  return reply.from(path, {
    timeout: target.timeoutMs,
    ...(body ? { body, contentType: request.headers['content-type'] ?? 'application/octet-stream' } : {}),
    retryDelay: ({ err, attempt }) => retryDelay(request.method, err, attempt),
    rewriteRequestHeaders: (_req, headers) => requestHeaders(request, headers, path, target.internalToken) as typeof headers,
    // The upstream's connection management is between it and us: a draining service asks us to close
    // our connection to it, which must not close the client's connection to the gateway.
    rewriteHeaders: (headers) => {
      const out = { ...headers };
      for (const h of HOP_BY_HOP_ANSWER) delete out[h];
      return out;
    },
    onResponse: (_req, _rep, res) => {
      breaker.onSuccess();
      const stream = res.stream as Readable;
      if (res.statusCode < 500) return void reply.send(stream);
      relayServerError(reply, res.statusCode, stream, name).catch((err: unknown) => {
        request.log.warn({ err, upstream: name }, 'could not read an upstream error answer');
        if (!reply.sent) void sendError(reply, 'UPSTREAM_ERROR', `${name} failed to answer properly`);
      });
    },
    onError: (_rep, { error }) => {
      breaker.onFailure();
      const kind = classifyUpstreamError(error);
      target.failures.inc({ upstream: name, kind });
      request.log.warn({ err: error, upstream: name, kind }, 'upstream failed');
      // Headers copied from a failed attempt must not leak into our own answer.
      reply.removeHeader('content-length');
      if (kind === 'timeout') return void sendError(reply, 'UPSTREAM_TIMEOUT', `${name} did not answer in time`);
      return void sendError(reply, 'UPSTREAM_UNAVAILABLE', `${name} is unavailable, retry later`);
    },
  });
}
