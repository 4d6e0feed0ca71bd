import { Type, type Static } from '@sinclair/typebox';
import { BaseConfig } from '@questline/platform';

export const ConfigSchema = Type.Object({
  ...BaseConfig,
  PORT: Type.Integer({ default: 8082 }),
  /** Base URL of the auth service: its JWKS (token checks) and GET /internal/users/:id (live admin check). */
  AUTH_URL: Type.String({ pattern: '^https?://' }),
});
export type Config = Static<typeof ConfigSchema>;
