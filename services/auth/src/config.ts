import { Type, type Static } from '@sinclair/typebox';
import { BaseConfig, WebhookOutboundConfig } from '@questline/platform';

export const USERNAME_PATTERN = '^[a-zA-Z0-9_.-]{3,32}$';

export const ConfigSchema = Type.Object({
  ...BaseConfig,
  PORT: Type.Integer({ default: 8081 }),
  /** Base URL of the progress service, which receives login events and profile updates. */
  PROGRESS_URL: Type.String({ pattern: '^https?://' }),
  /** Base URL of the catalog, whose public currency list admin grants are checked against. */
  CATALOG_URL: Type.String({ pattern: '^https?://' }),
  /** JSON of an Ed25519 private JWK with a `kid`; signs access tokens (the current key). */
  JWT_PRIVATE_JWK: Type.String({ minLength: 2 }),
  /**
   * JSON array of public Ed25519 JWKs (each with a `kid`) that are published in the JWKS and still
   * verify tokens, although nothing is signed with them: the previous key during a rotation (until
   * it is retired) or the next key before signing switches to it. See README.md, "Key rotation".
   */
  JWT_PREVIOUS_PUBLIC_JWKS: Type.Optional(Type.String({ minLength: 2 })),
  /**
   * The HMAC key API-key secrets are hashed with (README.md, "API keys"): at least 32 characters
   * of randomness. Required in production; elsewhere, when absent, one is derived from
   * INTERNAL_TOKEN (keys then stop matching if INTERNAL_TOKEN changes).
   */
  API_KEY_HASH_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /**
   * The key webhook signing secrets are encrypted with at rest (AES-256-GCM; README.md, "Webhooks"):
   * at least 32 characters of randomness. Required in production; elsewhere, when absent, one is
   * derived from INTERNAL_TOKEN. Changing it makes every stored signing secret unreadable.
   */
  WEBHOOK_SECRET_KEY: Type.Optional(Type.String({ minLength: 32 })),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 30, default: 900 }),
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, default: 30 * 24 * 3600 }),
  /** argon2id memory in KiB; OWASP's minimum is 19 MiB. Raising it re-hashes each password at its next login. */
  ARGON2_MEMORY_KIB: Type.Integer({ minimum: 19456, maximum: 4 * 1024 * 1024, default: 19456 }),
  /** argon2id passes; OWASP's minimum with 19 MiB is 2. Raising it re-hashes each password at its next login. */
  ARGON2_TIME_COST: Type.Integer({ minimum: 2, maximum: 100, default: 2 }),
  // The login throttle (README.md, "Login throttling"). Every counter is kept per window.
  /** Failed logins per (username, client IP) per window; then that pair gets 429 until the window ends. */
  LOGIN_MAX_FAILURES_PER_USERNAME_AND_IP: Type.Integer({ minimum: 1, default: 10 }),
  /** Failed logins per client IP (any usernames) per window; then that IP gets 429 until the window ends. */
  LOGIN_MAX_FAILURES_PER_IP: Type.Integer({ minimum: 1, default: 100 }),
  /** Failed logins per username (any case, all IPs) per window before its attempts are spaced out. */
  LOGIN_USERNAME_FAILURES_BEFORE_DELAY: Type.Integer({ minimum: 1, default: 30 }),
  /** Past that allowance, one attempt per 1 s, 2 s, 4 s … up to this many seconds: slowed, never locked. */
  LOGIN_USERNAME_MAX_DELAY_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 60 }),
  LOGIN_FAILURE_WINDOW_SECONDS: Type.Integer({ minimum: 1, maximum: 7 * 24 * 3600, default: 900 }),
  /**
   * With ADMIN_PASSWORD: an admin account created at start-up if no user has the name. An existing
   * admin is left as it is; an existing non-admin stops the start (never promoted).
   */
  ADMIN_USERNAME: Type.Optional(Type.String({ pattern: USERNAME_PATTERN })),
  ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 8, maxLength: 128 })),
  OUTBOX_POLL_MS: Type.Integer({ minimum: 10, default: 1000 }),
  /**
   * How long a relay's claim on outbox rows lasts: rows of a relay that died mid-delivery are sent
   * again after it. The relay's HTTP timeout is derived from it (a quarter, at most 5 s).
   */
  OUTBOX_LEASE_MS: Type.Integer({ minimum: 1000, default: 30_000 }),
  // Webhook delivery (README.md, "Webhook delivery").
  ...WebhookOutboundConfig,
  /** One delivery attempt's limit (connect, answer, body); its rows are leased for four times it. */
  WEBHOOK_DELIVERY_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 10_000 }),
  /** Deliveries claimed per batch (sent in parallel across endpoints, one by one per endpoint). */
  WEBHOOK_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  /**
   * Concurrent lanes of this replica's webhook relay (each serves endpoints one batch at a time);
   * 0: this replica delivers no webhooks (others do: e.g. API replicas apart from delivery ones).
   */
  WEBHOOK_RELAY_LANES: Type.Integer({ minimum: 0, maximum: 16, default: 4 }),
  /** How often each of the webhook relay's lanes looks for due deliveries (a commit that enqueues one nudges it). */
  WEBHOOK_POLL_MS: Type.Integer({ minimum: 10, default: 1000 }),
});

export type Config = Static<typeof ConfigSchema>;
