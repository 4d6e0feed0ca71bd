import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import rateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { API_KEY_FORMAT, AppError, parseBearer, type App } from '@questline/platform';
import type { Config } from '../config.js';

const WINDOW_MS = 60_000;
const OPERATIONS = new Set(['/healthz', '/readyz', '/metrics']);

/** A request hook (onRequest or preHandler); throwing an AppError answers the request. */
export type EdgeHook = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export interface EdgeLimits {
  /** Per client IP, for every API route but login and signup (requests with a well-formed API key: RATE_LIMIT_KEY_IP_MAX). */
  perIp: EdgeHook;
  /** Per client IP on login and signup: the brute-force brake. */
  perIpStrict: EdgeHook;
  /** Per verified caller: a token's user (RATE_LIMIT_USER_MAX) or an API key (RATE_LIMIT_KEY_MAX); run after the check. */
  perUser: EdgeHook;
}

const rateLimited = (ttlMs: number, what: string) => {
  const seconds = String(Math.max(1, Math.ceil(ttlMs / 1000)));
  return new AppError('RATE_LIMITED', `${what} rate limit exceeded, retry in ${seconds} s`, undefined, { 'retry-after': seconds });
};

/** The api.md error shape, written straight to the socket: no request object exists yet. */
function clientErrorResponse(status: 400 | 408 | 431, code: string, message: string): string {
  const requestId = randomUUID();
  const body = JSON.stringify({ error: { code, message, requestId } });
  const reason = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' }[status];
  return (
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `x-request-id: ${requestId}\r\nConnection: close\r\n\r\n${body}`
  );
}

/**
 * Limits applied before a request reaches any upstream: header size (Node's parser, 431), URL
 * length (414), canonical paths only, and the rate limits. Counters live in this process: with
 * several gateway replicas, each allows its own budget (see README.md).
 */
export async function installEdgeLimits(app: App, config: Config): Promise<EdgeLimits> {
  // Node reads maxHeaderSize from the server for every new connection's parser.
  (app.server as typeof app.server & { maxHeaderSize?: number }).maxHeaderSize = config.MAX_HEADER_BYTES;
  app.server.removeAllListeners('clientError');
  app.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    let response: string;
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      response = clientErrorResponse(431, 'HEADERS_TOO_LARGE', `request headers exceed ${config.MAX_HEADER_BYTES} bytes`);
    } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      response = clientErrorResponse(408, 'REQUEST_TIMEOUT', 'the request was not received in time');
    } else {
      response = clientErrorResponse(400, 'BAD_REQUEST', 'malformed HTTP request');
    }
    if (socket.writable) socket.write(response);
    socket.destroy();
  });

  app.addHook('onRequest', async (request) => {
    const url = request.raw.url ?? '/';
    if (url.length > config.MAX_URL_LENGTH) {
      throw new AppError('URI_TOO_LONG', `the request URL exceeds ${config.MAX_URL_LENGTH} characters`);
    }
    // The upstream URL is built with WHATWG URL rules, which resolve `..`, `%2e%2e` and `\`; a
    // path that changes under them could escape its route (e.g. to /internal), so only canonical
    // paths are routed.
    const path = url.split('?')[0] ?? '/';
    let canonical: string | undefined;
    try {
      canonical = new URL(path, 'http://gateway.invalid').pathname;
    } catch {
      canonical = undefined;
    }
    if (canonical !== path) throw new AppError('NOT_FOUND', 'no route for a non-canonical path');
  });

  // With TRUST_PROXY (createApp's trustProxy), request.ip is the address the nearest untrusted hop
  // connected from: entries further left in X-Forwarded-For were written by the client and are
  // never used. A socket already gone has no address; those requests share one key.
  const ipOf = (req: FastifyRequest) => req.ip ?? 'unknown';
  await app.register(rateLimit, {
    // Gateway-owned routes (docs, 404s) get the per-IP limit; API routes opt out and take the
    // explicit hooks below, so that the IP limit runs before the token check and the user limit after.
    global: true,
    max: config.RATE_LIMIT_MAX,
    timeWindow: WINDOW_MS,
    cache: 20_000,
    keyGenerator: ipOf,
    allowList: (req) => OPERATIONS.has(req.url.split('?')[0] ?? ''),
    errorResponseBuilder: (_req, ctx) => rateLimited(ctx.ttl, 'per-IP'),
  });
  const perUser = app.createRateLimit({ max: config.RATE_LIMIT_USER_MAX, timeWindow: WINDOW_MS, keyGenerator: (req) => `user:${req.user?.id ?? ''}` });
  const perKey = app.createRateLimit({ max: config.RATE_LIMIT_KEY_MAX, timeWindow: WINDOW_MS, keyGenerator: (req) => `key:${req.apiKey?.id ?? ''}` });
  const perIpForKeys = app.createRateLimit({ max: config.RATE_LIMIT_KEY_IP_MAX, timeWindow: WINDOW_MS, keyGenerator: (req) => `key-ip:${ipOf(req)}` });
  const perIp = app.rateLimit({ max: config.RATE_LIMIT_MAX, timeWindow: WINDOW_MS, keyGenerator: ipOf }) as EdgeHook;
  return {
    // A well-formed API key is a product's server: its address gets the key budget (counted apart
    // from browsers' per-IP budget), still before the key is checked, so garbage keys stay bounded.
    async perIp(request, reply) {
      const credential = parseBearer(request.headers.authorization);
      if (!credential || !API_KEY_FORMAT.test(credential)) return perIp(request, reply);
      const result = await perIpForKeys(request);
      if (!result.isAllowed && result.isExceeded) throw rateLimited(result.ttl, 'per-IP (API keys)');
    },
    perIpStrict: app.rateLimit({ max: config.AUTH_RATE_LIMIT_MAX, timeWindow: WINDOW_MS, keyGenerator: ipOf }) as EdgeHook,
    async perUser(request) {
      if (request.apiKey) {
        const result = await perKey(request);
        if (!result.isAllowed && result.isExceeded) throw rateLimited(result.ttl, 'per-key');
        return;
      }
      if (!request.user) return;
      const result = await perUser(request);
      if (!result.isAllowed && result.isExceeded) throw rateLimited(result.ttl, 'per-user');
    },
  };
}
