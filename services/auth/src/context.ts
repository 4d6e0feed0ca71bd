import { createHmac } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Counter } from 'prom-client';
import {
  cachedApiKeyVerifier,
  ConfigError,
  createChangeListener,
  createChangePublisher,
  createOutboxRelayMetrics,
  createServiceClient,
  createTokenVerifier,
  localKeySet,
  outboundPolicyOf,
  relayHttpTimeoutMs,
  type ChangeListener,
  type Metrics,
  type TokenVerifier,
} from '@questline/platform';
import { createCatalogCurrencies } from './clients/catalog-currencies.js';
import type { Config } from './config.js';
import { loadCommonPasswords } from './data/common-passwords.loader.js';
import type { AuthDatabase } from './db/schema.js';
import type { Actor, AuthContext } from './use-cases/auth-context.js';
import { createLoginThrottle } from './use-cases/login-throttle.use-case.js';
import { createPasswords, type Passwords } from './domain/passwords.js';
import { createAccessTokenSigner, type AccessTokenSigner } from './domain/tokens.js';
import { USER_CHANGES_CHANNEL } from './domain/user-changes.js';
import { webhookEncryptionKey } from './domain/webhook-secrets.js';
import { createOutboxRelay } from './workers/outbox-relay.js';
import { createWebhookRelay, createWebhookRelayMetrics } from './workers/webhook-relay.js';
import { createAccounts, type Accounts } from './use-cases/accounts.use-case.js';
import { lookupApiKey } from './use-cases/api-keys.use-case.js';

const THROTTLE_SWEEP_MS = 60_000;
/** An admin grant in a currency we have not seen asks the catalog again at most this often. */
const CURRENCY_REFRESH_MS = 2_000;

export type { Actor, AuthContext };

/** What a bad setting can break, built before any connection is opened (a bad key fails start-up). */
export interface Credentials {
  signer: AccessTokenSigner;
  passwords: Passwords;
  commonPasswords: ReadonlySet<string>;
  apiKeyHashKey: Buffer;
  webhookSecretKey: Buffer;
}

/**
 * The key API-key secrets are hashed with. Production must give one: a key derived from another
 * secret would tie every API key to INTERNAL_TOKEN's rotation. Development and tests (a service
 * started without `npm start`, which generates one) derive it from INTERNAL_TOKEN.
 */
export function apiKeyHashKey(config: Pick<Config, 'API_KEY_HASH_SECRET' | 'INTERNAL_TOKEN' | 'NODE_ENV'>): Buffer {
  if (config.API_KEY_HASH_SECRET) return Buffer.from(config.API_KEY_HASH_SECRET, 'utf8');
  if (config.NODE_ENV === 'production') throw new ConfigError('API_KEY_HASH_SECRET', 'is required when NODE_ENV=production');
  return createHmac('sha256', config.INTERNAL_TOKEN).update('questline api-key hash key (development)').digest();
}

/**
 * The AES-256 key webhook signing secrets are encrypted with. Production must give one, for the
 * reason of apiKeyHashKey; development and tests derive it from INTERNAL_TOKEN (another label).
 */
export function webhookSecretKey(config: Pick<Config, 'WEBHOOK_SECRET_KEY' | 'INTERNAL_TOKEN' | 'NODE_ENV'>): Buffer {
  if (config.WEBHOOK_SECRET_KEY) return webhookEncryptionKey(config.WEBHOOK_SECRET_KEY);
  if (config.NODE_ENV === 'production') throw new ConfigError('WEBHOOK_SECRET_KEY', 'is required when NODE_ENV=production');
  return createHmac('sha256', config.INTERNAL_TOKEN).update('questline webhook secret key (development)').digest();
}

export async function loadCredentials(config: Config): Promise<Credentials> {
  const hashKey = apiKeyHashKey(config);
  const secretKey = webhookSecretKey(config);
  const signer = await createAccessTokenSigner(config.JWT_PRIVATE_JWK, config.ACCESS_TOKEN_TTL_SECONDS, config.JWT_PREVIOUS_PUBLIC_JWKS);
  const commonPasswords = await loadCommonPasswords();
  const passwords = await createPasswords({ memoryKib: config.ARGON2_MEMORY_KIB, timeCost: config.ARGON2_TIME_COST });
  return { signer, passwords, commonPasswords, apiKeyHashKey: hashKey, webhookSecretKey: secretKey };
}

/** Everything the routes are built from, assembled once in buildApp. */
export interface AuthDependencies {
  ctx: AuthContext;
  accounts: Accounts;
  passwords: Passwords;
  signer: AccessTokenSigner;
  /** Auth's own routes verify with every published key, the previous ones of a rotation included. */
  verify: TokenVerifier;
  internalToken: string;
  /** This replica's ear on the account changes of every replica, for the live streams it serves. */
  listener: ChangeListener;
  counters: { logins: Counter<string>; signups: Counter<string>; throttled: Counter<string> };
  /** Starts the background work: the outbox relay and the sweep of expired throttle counters. */
  start(): void;
  /** Stops it and waits for work in flight, so the pool can close after. */
  stop(): Promise<void>;
}

export function createAuthDependencies(
  config: Config,
  db: Kysely<AuthDatabase>,
  metrics: Metrics,
  log: FastifyBaseLogger,
  { signer, passwords, commonPasswords, apiKeyHashKey: hashKey, webhookSecretKey: secretKey }: Credentials,
): AuthDependencies {
  const throttle = createLoginThrottle(db, {
    perUsernameAndIp: config.LOGIN_MAX_FAILURES_PER_USERNAME_AND_IP,
    perIp: config.LOGIN_MAX_FAILURES_PER_IP,
    usernameFreeFailures: config.LOGIN_USERNAME_FAILURES_BEFORE_DELAY,
    usernameMaxDelaySeconds: config.LOGIN_USERNAME_MAX_DELAY_SECONDS,
    windowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS,
  });
  const accounts = createAccounts({
    db,
    signer,
    passwords,
    commonPasswords,
    throttle,
    accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
  });
  const relayMetrics = createOutboxRelayMetrics(metrics);
  const relay = createOutboxRelay({
    db,
    progress: createServiceClient({
      service: 'progress',
      baseUrl: config.PROGRESS_URL,
      internalToken: config.INTERNAL_TOKEN,
      // The relay's calls must end well inside the lease of the rows they carry.
      timeoutMs: relayHttpTimeoutMs(config.OUTBOX_LEASE_MS),
    }),
    pollMs: config.OUTBOX_POLL_MS,
    leaseMs: config.OUTBOX_LEASE_MS,
    metrics: relayMetrics,
    log: log.child({ job: 'outbox-relay' }),
  });
  const webhooks = createWebhookRelay({
    db,
    secretKey,
    policy: outboundPolicyOf(config),
    timeoutMs: config.WEBHOOK_DELIVERY_TIMEOUT_MS,
    batchSize: config.WEBHOOK_BATCH_SIZE,
    pollMs: config.WEBHOOK_POLL_MS,
    lanes: config.WEBHOOK_RELAY_LANES,
    relayMetrics,
    metrics: createWebhookRelayMetrics(metrics),
    log: log.child({ job: 'webhook-relay' }),
  });
  const grants = metrics.counter('questline_grants_total', 'Grants paid (duplicates not counted), by source', ['source']);
  const counters = {
    logins: metrics.counter('questline_logins_total', 'Successful logins'),
    signups: metrics.counter('questline_signups_total', 'Accounts created'),
    throttled: metrics.counter('questline_logins_throttled_total', 'Login attempts refused by the failed-login throttle'),
  };
  const currencies = createCatalogCurrencies(createServiceClient({ service: 'catalog', baseUrl: config.CATALOG_URL, timeoutMs: 2000 }), {
    minRefreshMs: CURRENCY_REFRESH_MS,
    log: log.child({ component: 'catalog-currencies' }),
  });

  const feedLog = log.child({ component: 'change-feed' });
  const changes = createChangePublisher(config.DATABASE_URL, USER_CHANGES_CHANNEL, feedLog);
  const listener = createChangeListener(config.DATABASE_URL, USER_CHANGES_CHANNEL, feedLog);
  metrics.gauge('questline_live_feeds_open', "Players' live feeds this replica serves (one per open stream)", [], (g) => g.set(listener.subscribers));

  let sweeper: NodeJS.Timeout | undefined;
  return {
    ctx: {
      db,
      currencies,
      nudge: (kind) => (kind === 'webhook' ? webhooks.nudge() : relay.nudge(kind)),
      recordGrant: (source) => grants.inc({ source }),
      publishChange: (change) => changes.publish(change),
      apiKeyHashKey: hashKey,
      webhookSecretKey: secretKey,
      webhookPolicy: outboundPolicyOf(config),
      // Each hop checks keys on its own through such a cache, so a revocation holds within its TTL
      // plus one request (README.md, "API keys").
      apiKeys: cachedApiKeyVerifier((secret) => lookupApiKey({ db, apiKeyHashKey: hashKey }, secret)),
    },
    accounts,
    passwords,
    signer,
    verify: createTokenVerifier(localKeySet(signer.jwks)),
    internalToken: config.INTERNAL_TOKEN,
    listener,
    counters,
    start() {
      sweeper = setInterval(() => {
        throttle.sweep().catch((err: unknown) => log.warn({ err }, 'login throttle: sweep failed'));
      }, THROTTLE_SWEEP_MS);
      sweeper.unref();
      relay.start();
      webhooks.start();
      void listener.start();
    },
    async stop() {
      clearInterval(sweeper);
      await Promise.all([relay.stop(), webhooks.stop(), listener.close(), changes.close()]);
    },
  };
}
