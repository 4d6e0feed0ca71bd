import replyFrom from '@fastify/reply-from';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, INTERNAL_HEADER_NAMES, requireAuth, sendError, type App, type TokenVerifier } from '@questline/platform';
import type { Config } from '../config.js';
import { DEFAULT_BODY_LIMIT, ROUTES, type Upstream } from './route-table.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

// Hop-by-hop and identity headers a client must not be able to set on our behalf.
const STRIPPED = [...INTERNAL_HEADER_NAMES, 'x-user-id', 'x-user-role', 'connection', 'keep-alive'];

function upstreamError(reply: FastifyReply, error: { statusCode?: number; code?: string }) {
  if (error.statusCode === 504 || error.code === 'FST_REPLY_FROM_GATEWAY_TIMEOUT') {
    return sendError(reply, 504, 'UPSTREAM_TIMEOUT', 'the service did not answer in time');
  }
  return sendError(reply, 503, 'UPSTREAM_UNAVAILABLE', 'the service is unavailable, retry later');
}

/** Proxies the public routes to their services over undici keep-alive pools (one per upstream). */
export async function proxyRoutes(app: App, config: Config, verify: TokenVerifier) {
  const bases: Record<Upstream, string> = { auth: config.AUTH_URL, catalog: config.CATALOG_URL, progress: config.PROGRESS_URL };
  const guards = {
    public: undefined,
    user: requireAuth(verify),
    admin: requireAuth(verify, { role: 'admin' }),
  };
  for (const upstream of Object.keys(bases) as Upstream[]) {
    await app.register(async (child) => {
      await child.register(replyFrom, {
        base: bases[upstream],
        undici: { connections: 64, pipelining: 1, headersTimeout: config.UPSTREAM_TIMEOUT_MS, bodyTimeout: config.UPSTREAM_TIMEOUT_MS },
      });
      // Bodies stream through untouched; the owning service parses and validates them.
      child.removeAllContentTypeParsers();
      child.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
      for (const route of ROUTES.filter((r) => r.upstream === upstream)) {
        const limit = route.bodyLimit ?? DEFAULT_BODY_LIMIT;
        const guard = guards[route.access];
        child.route({
          method: [...METHODS],
          url: route.url,
          schema: { hide: true },
          ...(route.strictRateLimit ? { config: { rateLimit: { max: config.AUTH_RATE_LIMIT_MAX, timeWindow: 60_000 } } } : {}),
          onRequest: async (request: FastifyRequest) => {
            const length = Number(request.headers['content-length'] ?? 0);
            if (length > limit) throw new AppError(413, 'PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`);
          },
          preHandler: guard ? [guard] : [],
          handler: (request, reply) =>
            reply.from(request.url, {
              rewriteRequestHeaders: (req, headers) => {
                const out: Record<string, string | string[] | undefined> = { ...headers, 'x-request-id': String(req.id) };
                for (const h of STRIPPED) delete out[h];
                if (req.user) {
                  out['x-user-id'] = req.user.id;
                  out['x-user-role'] = req.user.role;
                }
                return out;
              },
              onError: (r, { error }) => upstreamError(r as FastifyReply, error as { statusCode?: number; code?: string }),
            }),
        });
      }
    });
  }
}
