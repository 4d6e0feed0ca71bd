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
   * Memory for rendered GET /me/quests bodies in this replica, in MB (0: none); the oldest lists go
   * first. A list of 50 quests is ~22 KB: 128 MB keeps ~5,800 players' lists.
   */
  QUEST_LIST_CACHE_MB: Type.Integer({ minimum: 0, maximum: 65_536, default: 128 }),
});
export type Config = Static<typeof ConfigSchema>;
