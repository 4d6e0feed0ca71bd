import { Type, type Static } from '@sinclair/typebox';
import { BaseConfig } from '@questline/platform';

export const USERNAME_PATTERN = '^[a-zA-Z0-9_.-]{3,32}$';

export const ConfigSchema = Type.Object({
  ...BaseConfig,
  PORT: Type.Integer({ default: 8081 }),
  /** Base URL of the progress service, which receives login events. */
  PROGRESS_URL: Type.String({ pattern: '^https?://' }),
  /** JSON of an Ed25519 private JWK with a `kid`; signs access tokens. */
  JWT_PRIVATE_JWK: Type.String({ minLength: 2 }),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 30, default: 900 }),
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, default: 30 * 24 * 3600 }),
  /** With ADMIN_PASSWORD: an admin account ensured at start-up (an existing password is never changed). */
  ADMIN_USERNAME: Type.Optional(Type.String({ pattern: USERNAME_PATTERN })),
  ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 8, maxLength: 128 })),
  OUTBOX_POLL_MS: Type.Integer({ minimum: 10, default: 1000 }),
});

export type Config = Static<typeof ConfigSchema>;
