import replyFrom from '@fastify/reply-from';
import { optionalCaller, requireAuth, type App, type Metrics, type TokenVerifier } from '@questline/platform';
import type { Config } from '../config.js';
import { CircuitBreaker, type CircuitState } from '../domain/circuit-breaker.js';
import type { EdgeHook, EdgeLimits } from './edge-limits.js';
import { DEFAULT_BODY_LIMIT, ROUTES, type Access, type Upstream } from './route-table.js';
import { forward, type UpstreamTarget } from './upstream-proxy.js';

// OPTIONS is not proxied: CORS preflights are answered by the gateway itself.
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const STATE_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

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

export interface ProxyDeps {
  config: Config;
  verify: TokenVerifier;
  limits: EdgeLimits;
  metrics: Metrics;
}

/**
 * The public routes of the route table, each proxied to its upstream over an undici keep-alive
 * pool. Per request: per-IP limit → token check (401/403 here, so bad tokens never reach a
 * service) → per-user limit → body read with its size limit (413) → circuit breaker → upstream.
 */
export async function proxyRoutes(app: App, deps: ProxyDeps) {
  const { config, verify, limits, metrics } = deps;
  const bases: Record<Upstream, string> = { auth: config.AUTH_URL, catalog: config.CATALOG_URL, progress: config.PROGRESS_URL };
  const timeouts: Record<Upstream, number> = {
    auth: config.AUTH_UPSTREAM_TIMEOUT_MS ?? config.UPSTREAM_TIMEOUT_MS,
    catalog: config.CATALOG_UPSTREAM_TIMEOUT_MS ?? config.UPSTREAM_TIMEOUT_MS,
    progress: config.PROGRESS_UPSTREAM_TIMEOUT_MS ?? config.UPSTREAM_TIMEOUT_MS,
  };
  const guards: Record<Access, EdgeHook> = {
    public: optionalAuth(verify),
    user: requireAuth(verify),
    admin: requireAuth(verify, { role: 'admin' }),
  };
  const circuitState = metrics.gauge('gateway_circuit_state', 'Circuit per upstream: 0 closed, 1 half-open, 2 open', ['upstream']);
  const failures = metrics.counter('gateway_upstream_failures_total', 'Requests an upstream could not answer, by kind', ['upstream', 'kind']);
  const rejections = metrics.counter('gateway_circuit_rejections_total', 'Requests failed fast by an open circuit', ['upstream']);

  for (const upstream of Object.keys(bases) as Upstream[]) {
    circuitState.set({ upstream }, 0);
    const target: UpstreamTarget = {
      name: upstream,
      timeoutMs: timeouts[upstream],
      failures,
      rejections,
      breaker: new CircuitBreaker({
        failureThreshold: config.CIRCUIT_FAILURE_THRESHOLD,
        cooldownMs: config.CIRCUIT_COOLDOWN_MS,
        probeTimeoutMs: timeouts[upstream] + 1000,
        onChange: (from, to) => {
          circuitState.set({ upstream }, STATE_VALUE[to]);
          app.log[to === 'open' ? 'error' : 'warn']({ upstream, from, to }, 'circuit state changed');
        },
      }),
    };
    await app.register(async (child) => {
      await child.register(replyFrom, {
        base: bases[upstream],
        // Failures are logged by forward(); two info lines per proxied request would be noise.
        disableRequestLogging: true,
        undici: {
          connections: config.UPSTREAM_CONNECTIONS,
          pipelining: 1,
          connectTimeout: config.UPSTREAM_CONNECT_TIMEOUT_MS,
          headersTimeout: timeouts[upstream],
          bodyTimeout: timeouts[upstream],
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
