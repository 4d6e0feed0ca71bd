import { Type, type Static } from '@sinclair/typebox';
import { BaseConfig } from '@questline/platform';

export const ConfigSchema = Type.Object({
  ...BaseConfig,
  PORT: Type.Integer({ default: 8083 }),
  /** Base URL of the auth service: JWKS, user profiles (timezone, status) and grants. */
  AUTH_URL: Type.String({ pattern: '^https?://' }),
  /** Base URL of the catalog service: the published quests. */
  CATALOG_URL: Type.String({ pattern: '^https?://' }),
  CATALOG_POLL_MS: Type.Integer({ minimum: 50, default: 2000 }),
  /** Profiles decide bans and timezones, so they are only trusted for a few seconds; 0 disables caching. */
  USER_CACHE_TTL_MS: Type.Integer({ minimum: 0, default: 5000 }),
  OUTBOX_POLL_MS: Type.Integer({ minimum: 10, default: 1000 }),
});
export type Config = Static<typeof ConfigSchema>;
