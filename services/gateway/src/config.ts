import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { BaseConfig, packageRoot, trustProxyKey } from '@questline/platform';

const { DATABASE_URL: _noDatabase, MIGRATE_ON_START: _noMigrations, ...base } = BaseConfig;

// The built web app of this repository (apps/web/dist), wherever the gateway runs from.
const DEFAULT_WEB_DIST = path.resolve(packageRoot(import.meta.url), '../../apps/web/dist');

const timeout = (description: string) => Type.Optional(Type.Integer({ minimum: 100, description }));

/** The gateway owns no data: no DATABASE_URL, no migrations. Keys are documented in README.md. */
export const ConfigSchema = Type.Object({
  /** Directory of the built web app served at `/` (absent: the gateway serves the API only). */
  WEB_DIST_DIR: Type.String({ default: DEFAULT_WEB_DIST, minLength: 1 }),
  ...base,
  PORT: Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
  AUTH_URL: Type.String({ pattern: '^https?://' }),
  CATALOG_URL: Type.String({ pattern: '^https?://' }),
  PROGRESS_URL: Type.String({ pattern: '^https?://' }),

  /** Requests per minute per client IP across the API (per gateway replica). */
  RATE_LIMIT_MAX: Type.Integer({ default: 1200, minimum: 1 }),
  /** Requests per minute per client IP on /auth/login and /auth/signup (brute-force brake). */
  AUTH_RATE_LIMIT_MAX: Type.Integer({ default: 30, minimum: 1 }),
  /** Requests per minute per authenticated user (the verified token's sub), on top of the IP limit. */
  RATE_LIMIT_USER_MAX: Type.Integer({ default: 600, minimum: 1 }),
  /** Requests per minute per API key (per gateway replica): a product's backend sends for all its users. */
  RATE_LIMIT_KEY_MAX: Type.Integer({ default: 12_000, minimum: 1 }),
  /**
   * Requests per minute per client IP for requests carrying a well-formed API key, instead of
   * RATE_LIMIT_MAX: a backend's few addresses send for all its keys; counted before the key is checked.
   */
  RATE_LIMIT_KEY_IP_MAX: Type.Integer({ default: 24_000, minimum: 1 }),
  /**
   * The proxies in front of the gateway whose X-Forwarded-For names the client (platform's
   * trust-proxy.ts): a hop count, addresses/CIDRs, or false. The default, false, takes the socket's
   * address as the client's, so a client-sent X-Forwarded-For cannot dodge the rate limits.
   */
  TRUST_PROXY: trustProxyKey('false'),

  /** Longest request URL (path + query) accepted; longer is 414 URI_TOO_LONG. */
  MAX_URL_LENGTH: Type.Integer({ default: 8192, minimum: 256 }),
  /** Node's maxHeaderSize for the request line and headers together; larger is 431. */
  MAX_HEADER_BYTES: Type.Integer({ default: 16384, minimum: 1024 }),

  /** How long an upstream may take to start answering (and between body chunks). */
  UPSTREAM_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 100 }),
  AUTH_UPSTREAM_TIMEOUT_MS: timeout('override of UPSTREAM_TIMEOUT_MS for auth'),
  CATALOG_UPSTREAM_TIMEOUT_MS: timeout('override of UPSTREAM_TIMEOUT_MS for catalog'),
  PROGRESS_UPSTREAM_TIMEOUT_MS: timeout('override of UPSTREAM_TIMEOUT_MS for progress'),
  /** TCP connect timeout to an upstream; a black-holed host fails this fast, as 503. */
  UPSTREAM_CONNECT_TIMEOUT_MS: Type.Integer({ default: 2000, minimum: 50 }),
  /**
   * Longest silence accepted from a service's feed under an open live stream (they send a comment
   * every 15 s); past it the stream ends and the client reconnects.
   */
  STREAM_IDLE_TIMEOUT_MS: Type.Integer({ default: 45_000, minimum: 1000 }),
  /** Live streams one user may hold open at once (per gateway replica): a few tabs, not a flood. */
  STREAM_MAX_PER_USER: Type.Integer({ default: 10, minimum: 1 }),
  /** Keep-alive connections per upstream (undici pool size). */
  UPSTREAM_CONNECTIONS: Type.Integer({ default: 64, minimum: 1 }),

  /** Consecutive connection failures/timeouts that open an upstream's circuit. */
  CIRCUIT_FAILURE_THRESHOLD: Type.Integer({ default: 5, minimum: 1 }),
  /** How long an open circuit fails fast before one probe request is let through. */
  CIRCUIT_COOLDOWN_MS: Type.Integer({ default: 5000, minimum: 10 }),

  /** Comma-separated list of origins allowed by CORS; empty = same-origin only. */
  CORS_ORIGINS: Type.String({ default: '' }),
});
export type Config = Static<typeof ConfigSchema>;
