import replyFrom from '@fastify/reply-from';
import { optionalCaller, requireAuth, type ApiKeyVerifier, type App, type TokenVerifier } from '@questline/platform';
import type { GatewayContext } from '../context.js';
import type { EdgeHook, EdgeLimits } from './edge-limits.js';
import { DEFAULT_BODY_LIMIT, ROUTES, type Method, type PublicRoute, type Upstream } from './route-table.js';
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
 * The guard of a route: an access token of the route's role, or an API key holding the route's
 * scope (for the request's method). A valid key on a route no scope opens is 403, an unknown or
 * revoked one 401; either way it never reaches a service. Keys go to every guard, so that a key
 * sent where only tokens go is told so (403) rather than called invalid.
 */
function guardOf(route: PublicRoute, verify: TokenVerifier, keys: ApiKeyVerifier): EdgeHook {
  if (route.access === 'public') return optionalAuth(verify);
  const role = route.access === 'admin' ? 'admin' : undefined;
  const { scopes } = route;
  if (!scopes) return requireAuth(verify, { role, scope: route.scope, keys });
  const unscoped = requireAuth(verify, { role, keys });
  const byMethod = new Map(Object.entries(scopes).map(([method, scope]) => [method, requireAuth(verify, { role, scope, keys })]));
  return (request, reply) => (byMethod.get(request.method as Method) ?? unscoped)(request, reply);
}

/**
 * The public routes of the route table, each proxied to its upstream over an undici keep-alive
 * pool. Per request: per-IP limit → token or key check (401/403 here, so bad credentials never
 * reach a service) → per-caller limit (user or key) → body read with its size limit (413) → circuit breaker → upstream.
 */
export async function proxyRoutes(app: App, ctx: GatewayContext, limits: EdgeLimits) {
  const { config, verify, keys } = ctx;

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
          onRequest: [route.strictRateLimit ? limits.perIpStrict : limits.perIp, guardOf(route, verify, keys), limits.perUser],
          handler: (request, reply) => forward(request, reply, target),
        });
      }
    });
  }
}
