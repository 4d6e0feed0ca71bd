import { Type, type Static } from '@sinclair/typebox';
import { BaseConfig } from '@questline/platform';

const { DATABASE_URL: _noDatabase, MIGRATE_ON_START: _noMigrations, ...base } = BaseConfig;

/** The gateway owns no data: no DATABASE_URL, no migrations. */
export const ConfigSchema = Type.Object({
  ...base,
  PORT: Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
  AUTH_URL: Type.String({ pattern: '^https?://' }),
  CATALOG_URL: Type.String({ pattern: '^https?://' }),
  PROGRESS_URL: Type.String({ pattern: '^https?://' }),
  /** Requests per minute per client IP across the API. */
  RATE_LIMIT_MAX: Type.Integer({ default: 1200, minimum: 1 }),
  /** Requests per minute per client IP on /auth/login and /auth/signup (brute-force brake). */
  AUTH_RATE_LIMIT_MAX: Type.Integer({ default: 30, minimum: 1 }),
  UPSTREAM_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 100 }),
  /** Comma-separated list of origins allowed by CORS; empty = same-origin only. */
  CORS_ORIGINS: Type.String({ default: '' }),
});
export type Config = Static<typeof ConfigSchema>;
