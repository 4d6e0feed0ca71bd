import { Type } from '@sinclair/typebox';
import { trustProxyKey } from './trust-proxy.js';

/** Keys every service's config has; each service adds its own. */
export const BaseConfig = {
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], { default: 'development' }),
  HOST: Type.String({ default: '127.0.0.1' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /**
   * The file the service writes its log to (appended; its directory made if missing; reopened on
   * SIGHUP, for rotation). Unset or empty: stdout, which containers and their log collectors expect.
   * `npm start`, the tests and the benchmarks give each service `<logs>/<service>.log`.
   */
  LOG_FILE: Type.Optional(Type.String()),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://' }),
  /** Shared secret that our services present to each other's /internal routes. */
  INTERNAL_TOKEN: Type.String({ minLength: 16 }),
  /** Lets `npm start` and tests run migrations at start-up; Kubernetes runs them as a Job. */
  MIGRATE_ON_START: Type.Boolean({ default: true }),
  /**
   * After SIGTERM, how long the service keeps listening and serving (readiness failing, every
   * response closing its connection) before it stops accepting and drains. Behind a load balancer
   * that removes endpoints asynchronously (Kubernetes) this moves keep-alive clients to other
   * instances without a failed request; 0 (local runs, tests) stops accepting at once.
   */
  SHUTDOWN_DELAY_MS: Type.Integer({ default: 0, minimum: 0, maximum: 60_000 }),
  /**
   * The peers whose X-Forwarded-For is believed (see trust-proxy.ts). A service is reached through
   * the gateway, which sets that header to the client's address, and the gateway runs beside it on
   * loopback (`npm start`) or in a private network (compose, a cluster's pod network); auth's login
   * throttle counts per that address. The gateway, facing clients, overrides the default.
   */
  TRUST_PROXY: trustProxyKey('loopback,linklocal,uniquelocal'),
};
