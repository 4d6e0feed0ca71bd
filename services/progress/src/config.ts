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
  OUTBOX_POLL_MS: Type.Integer({ minimum: 10, default: 1000 }),
  /** Ceiling of the grant relay's exponential backoff while auth refuses or is unreachable. */
  OUTBOX_MAX_BACKOFF_MS: Type.Integer({ minimum: 10, default: 30_000 }),
  /**
   * How long a relay's claim on outbox rows lasts: rows of a relay that died mid-delivery are sent
   * again after it. The relay's HTTP timeout is derived from it (a quarter, at most 5 s).
   */
  OUTBOX_LEASE_MS: Type.Integer({ minimum: 1000, default: 30_000 }),
  /**
   * Users whose rendered GET /me/quests this replica remembers (0: none). An entry is the response
   * body: about 0.5 KB per quest listed (~25 KB for 50 quests).
   */
  QUEST_LIST_CACHE_ENTRIES: Type.Integer({ minimum: 0, default: 10_000 }),
});
export type Config = Static<typeof ConfigSchema>;
