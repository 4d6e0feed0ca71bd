import { Type, type Static } from '@sinclair/typebox';
import { BaseConfig } from '@questline/platform';

export const ConfigSchema = Type.Object({
  ...BaseConfig,
  PORT: Type.Integer({ default: 8082 }),
  /** Base URL of the auth service; only its JWKS is fetched, to verify admin tokens. */
  AUTH_URL: Type.String({ pattern: '^https?://' }),
});
export type Config = Static<typeof ConfigSchema>;
