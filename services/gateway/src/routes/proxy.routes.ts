import replyFrom from '@fastify/reply-from';
import { optionalCaller, requireAuth, type App, type TokenVerifier } from '@questline/platform';
import type { GatewayContext } from '../context.js';
import type { EdgeHook, EdgeLimits } from './edge-limits.js';
import { DEFAULT_BODY_LIMIT, ROUTES, type Access, type Upstream } from './route-table.js';
import { forward } from '../clients/upstream-proxy.js';

// OPTIONS is not proxied: CORS preflights are answered by the gateway itself.
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * On public routes a token is optional: a valid one identifies the caller (for the per-user limit
 * and for services that show admins more), an invalid or banned one is dropped, as if absent.
 */
function optionalAuth(verify: TokenVerifier): EdgeHook {
  return async (request) => {
    const user = await optionalCaller(verify, request.headers.authorization);
    if (user) request.user = user;
  };
}

/**
 * The public routes of the route table, each proxied to its upstream over an undici keep-alive
 * pool. Per request: per-IP limit → token check (401/403 here, so bad tokens never reach a
 * service) → per-user limit → body read with its size limit (413) → circuit breaker → upstream.
 */
export async function proxyRoutes(app: App, ctx: GatewayContext, limits: EdgeLimits) {
  const { config, verify } = ctx;
  const guards: Record<Access, EdgeHook> = {
    public: optionalAuth(verify),
    user: requireAuth(verify),
    admin: requireAuth(verify, { role: 'admin' }),
  };

  for (const upstream of Object.keys(ctx.upstreams) as Upstream[]) {
    const { baseUrl, target } = ctx.upstreams[upstream];
    await app.register(async (child) => {
      await child.register(replyFrom, {
        base: baseUrl,
        // Failures are logged by forward(); two info lines per proxied request would be noise.
        disableRequestLogging: true,
        undici: {
          connections: config.UPSTREAM_CONNECTIONS,
          pipelining: 1,
          connectTimeout: config.UPSTREAM_CONNECT_TIMEOUT_MS,
          headersTimeout: target.timeoutMs,
          bodyTimeout: target.timeoutMs,
        },
      });
      // Bodies are read as bytes, with the route's limit enforced while they stream in (chunked
      // bodies included), and passed on untouched: the owning service parses and validates them.
      child.removeAllContentTypeParsers();
      child.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
      for (const route of ROUTES.filter((r) => r.upstream === upstream)) {
        child.route({
          method: METHODS,
          url: route.url,
          bodyLimit: route.bodyLimit ?? DEFAULT_BODY_LIMIT,
          schema: { hide: true },
          config: { rateLimit: false },
          onRequest: [route.strictRateLimit ? limits.perIpStrict : limits.perIp, guards[route.access], limits.perUser],
          handler: (request, reply) => forward(request, reply, target),
        });
      }
    });
  }
}
