import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { BaseConfig, loadConfigOrExit } from '@questline/platform';
import { ConfigSchema as GatewayConfigSchema } from '../services/gateway/src/config.js';

/**
 * What `npm start` sets for the gateway itself (where it listens, its peers, the web app it serves,
 * the keys every service gets); TRUST_PROXY is a base key the gateway overrides and a team sets
 * for its own reverse proxy, so it passes through.
 */
const SET_BY_DEVSTACK = new Set(['PORT', 'AUTH_URL', 'CATALOG_URL', 'PROGRESS_URL', 'WEB_DIST_DIR', ...Object.keys(BaseConfig).filter((k) => k !== 'TRUST_PROXY')]);

/**
 * The gateway's own settings that a team tunes (CORS_ORIGINS, rate limits, timeouts, circuit
 * breaker, proxy hops): taken from its config schema, so that a key added there passes through
 * `npm start` too, validated by the same rules before anything starts.
 */
export const GATEWAY_KEYS = Object.keys(GatewayConfigSchema.properties).filter((k) => !SET_BY_DEVSTACK.has(k));
const gatewayKeys = Object.fromEntries(
  GATEWAY_KEYS.map((k) => [k, Type.Optional((GatewayConfigSchema.properties as Record<string, TSchema>)[k]!)]),
) as Record<string, TSchema>;

/** The environment `npm start` reads (each service then gets its own, see devstack serviceEnv). */
export const StartConfigSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production')], { default: 'development' }),
  QUESTLINE_DATA_DIR: Type.String({ default: '.data', minLength: 1 }),
  GATEWAY_PORT: Type.Integer({ default: 8080, minimum: 1, maximum: 65535 }),
  AUTH_PORT: Type.Integer({ default: 8081, minimum: 1, maximum: 65535 }),
  CATALOG_PORT: Type.Integer({ default: 8082, minimum: 1, maximum: 65535 }),
  PROGRESS_PORT: Type.Integer({ default: 8083, minimum: 1, maximum: 65535 }),
  /** Port of the embedded PostgreSQL (only used when the *_DATABASE_URLs are not set). */
  PG_PORT: Type.Integer({ default: 5433, minimum: 1, maximum: 65535 }),
  AUTH_DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  CATALOG_DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  PROGRESS_DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  INTERNAL_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  JWT_PRIVATE_JWK: Type.Optional(Type.String({ minLength: 10 })),
  /** Auth's HMAC key for API-key secrets (see services/auth/README.md, "API keys"). */
  API_KEY_HASH_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  WEBHOOK_SECRET_KEY: Type.Optional(Type.String({ minLength: 32 })),
  /** Public keys still accepted during a key rotation (see services/auth/README.md). */
  JWT_PREVIOUS_PUBLIC_JWKS: Type.Optional(Type.String({ minLength: 2 })),
  ADMIN_USERNAME: Type.String({ default: 'admin', pattern: '^[a-zA-Z0-9_.-]{3,32}$' }),
  ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 8, maxLength: 128 })),
  LOG_LEVEL: Type.String({ default: 'info' }),
  ...gatewayKeys,
});
export type StartConfig = Static<typeof StartConfigSchema>;

export function loadStartConfig(): StartConfig {
  return loadConfigOrExit(StartConfigSchema);
}

/** The gateway settings of the start configuration, as the gateway's environment. */
export function gatewayEnv(cfg: StartConfig): Record<string, string> {
  const values = cfg as Record<string, unknown>;
  return Object.fromEntries(GATEWAY_KEYS.filter((k) => values[k] !== undefined).map((k) => [k, String(values[k])]));
}
