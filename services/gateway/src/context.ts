import {
  createServiceClient,
  remoteApiKeyVerifier,
  remoteTokenVerifier,
  type ApiKeyVerifier,
  type App,
  type Metrics,
  type ServiceClient,
  type TokenVerifier,
} from '@questline/platform';
import { createFeedUpstream, type FeedUpstream } from './clients/feed-upstream.js';
import type { UpstreamTarget } from './clients/upstream-proxy.js';
import type { Config } from './config.js';
import { CircuitBreaker, type CircuitState } from './domain/circuit-breaker.js';
import type { Upstream } from './routes/route-table.js';

const STATE_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** What the gateway's routes are built from, assembled once in buildApp. */
export interface GatewayContext {
  config: Config;
  /** Auth's JWKS, refreshed in the background and kept through an auth outage. */
  verify: TokenVerifier;
  /**
   * API keys, asked of auth (signed with INTERNAL_TOKEN) and remembered 2 s: a revoked key is
   * refused here within that plus one request. Malformed keys never reach auth.
   */
  keys: ApiKeyVerifier;
  /** Auth's internal routes (keys, stream tickets), signed with INTERNAL_TOKEN. */
  authClient: ServiceClient;
  /** The services' internal feeds the live streams are joined from, on their own connections. */
  feeds: FeedUpstream;
  /** Per upstream: its base URL and the target the proxy forwards to (timeout, circuit breaker, metrics). */
  upstreams: Record<Upstream, { baseUrl: string; target: UpstreamTarget }>;
  close(): void;
}

export function buildGatewayContext(config: Config, app: Pick<App, 'log'>, metrics: Metrics): GatewayContext {
  // An unknown kid refetches the key set at most every 30 s (garbage kids cannot flood auth). The
  // services behind trust this check (the identity assertion) instead of verifying again; they
  // still decide on a caller's live role and status (admin routes).
  const verify = remoteTokenVerifier(`${config.AUTH_URL}/.well-known/jwks.json`, { log: app.log.child({ component: 'jwks' }) });
  const authClient = createServiceClient({ service: 'auth', baseUrl: config.AUTH_URL, internalToken: config.INTERNAL_TOKEN, timeoutMs: 2000 });
  const keys = remoteApiKeyVerifier(authClient);
  const feeds = createFeedUpstream({
    internalToken: config.INTERNAL_TOKEN,
    connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
    headersTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
    idleTimeoutMs: config.STREAM_IDLE_TIMEOUT_MS,
  });
  const circuitState = metrics.gauge('gateway_circuit_state', 'Circuit per upstream: 0 closed, 1 half-open, 2 open', ['upstream']);
  const failures = metrics.counter('gateway_upstream_failures_total', 'Requests an upstream could not answer, by kind', ['upstream', 'kind']);
  const rejections = metrics.counter('gateway_circuit_rejections_total', 'Requests failed fast by an open circuit', ['upstream']);
  const bases: Record<Upstream, string> = { auth: config.AUTH_URL, catalog: config.CATALOG_URL, progress: config.PROGRESS_URL };
  const timeouts: Record<Upstream, number> = {
    auth: config.AUTH_UPSTREAM_TIMEOUT_MS ?? config.UPSTREAM_TIMEOUT_MS,
    catalog: config.CATALOG_UPSTREAM_TIMEOUT_MS ?? config.UPSTREAM_TIMEOUT_MS,
    progress: config.PROGRESS_UPSTREAM_TIMEOUT_MS ?? config.UPSTREAM_TIMEOUT_MS,
  };
  const upstream = (name: Upstream) => {
    circuitState.set({ upstream: name }, 0);
    const target: UpstreamTarget = {
      name,
      timeoutMs: timeouts[name],
      internalToken: config.INTERNAL_TOKEN,
      failures,
      rejections,
      breaker: new CircuitBreaker({
        failureThreshold: config.CIRCUIT_FAILURE_THRESHOLD,
        cooldownMs: config.CIRCUIT_COOLDOWN_MS,
        probeTimeoutMs: timeouts[name] + 1000,
        onChange: (from, to) => {
          circuitState.set({ upstream: name }, STATE_VALUE[to]);
          app.log[to === 'open' ? 'error' : 'warn']({ upstream: name, from, to }, 'circuit state changed');
        },
      }),
    };
    return { baseUrl: bases[name], target };
  };
  return {
    config,
    verify,
    keys,
    authClient,
    feeds,
    upstreams: { auth: upstream('auth'), catalog: upstream('catalog'), progress: upstream('progress') },
    close: () => {
      verify.close();
      void feeds.destroy();
    },
  };
}
