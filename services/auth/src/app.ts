import { sql } from 'kysely';
import { createLocalJWKSet } from 'jose';
import {
  ConfigError,
  createApp,
  createDatabase,
  createOutboxRelayMetrics,
  createServiceClient,
  createTokenVerifier,
  relayHttpTimeoutMs,
  type App,
} from '@questline/platform';
import { createCatalogCurrencies } from './clients/catalog-currencies.js';
import type { Config } from './config.js';
import type { AuthDatabase } from './db/schema.js';
import { createAccounts } from './domain/accounts.js';
import { ensureAdmin } from './domain/admin-users.js';
import { createLoginThrottle } from './domain/login-throttle.js';
import { loadCommonPasswords } from './domain/password-policy.js';
import { createPasswords } from './domain/passwords.js';
import { createAccessTokenSigner } from './domain/tokens.js';
import { createOutboxRelay } from './workers/outbox-relay.js';
import { registerAdminRoutes } from './routes/admin.routes.js';
import { registerAuthRoutes } from './routes/auth.routes.js';
import { registerInternalRoutes } from './routes/internal.routes.js';
import { registerMeRoutes } from './routes/me.routes.js';

const THROTTLE_SWEEP_MS = 60_000;
/** An admin grant in a currency we have not seen asks the catalog again at most this often. */
const CURRENCY_REFRESH_MS = 2_000;

/** Builds the auth service; the database must already be migrated (server.ts or the tests do it). */
export async function buildApp(config: Config): Promise<App> {
  const signer = await createAccessTokenSigner(config.JWT_PRIVATE_JWK, config.ACCESS_TOKEN_TTL_SECONDS, config.JWT_PREVIOUS_PUBLIC_JWKS);
  const commonPasswords = await loadCommonPasswords();
  const passwords = await createPasswords({ memoryKib: config.ARGON2_MEMORY_KIB, timeCost: config.ARGON2_TIME_COST });
  const database = createDatabase<AuthDatabase>(config.DATABASE_URL);
  const { db } = database;
  try {
    const { app, metrics } = await createApp({
      service: 'auth',
      title: 'Questline accounts',
      logLevel: config.LOG_LEVEL,
      internalToken: config.INTERNAL_TOKEN,
      // Progress is not required: logins and profile updates wait in the outbox until it is back.
      readiness: [{ name: 'database', check: () => sql`select 1`.execute(db) }],
    });

    if (config.ADMIN_USERNAME && config.ADMIN_PASSWORD) {
      const admin = await ensureAdmin(db, passwords, config.ADMIN_USERNAME, config.ADMIN_PASSWORD);
      if (admin.kind === 'not_admin') {
        // Promoting would make whoever registered that name an admin with their own password.
        throw new ConfigError(
          'ADMIN_USERNAME',
          `names the existing user "${admin.user.username}", who is not an admin; refusing to promote it. ` +
            'Choose another ADMIN_USERNAME, or have an admin promote that user (PATCH /api/v1/admin/users/{userId}).',
        );
      }
      app.log.info({ userId: admin.user.id, username: admin.user.username, created: admin.kind === 'created' }, 'admin account ensured');
    } else if (config.ADMIN_USERNAME || config.ADMIN_PASSWORD) {
      app.log.warn('ADMIN_USERNAME and ADMIN_PASSWORD must both be set to ensure an admin account; ignoring');
    }

    // Auth's own routes verify with every published key, the previous ones of a rotation included.
    const verify = createTokenVerifier(createLocalJWKSet(signer.jwks));
    const throttle = createLoginThrottle(db, {
      perUsername: config.LOGIN_MAX_FAILURES_PER_USERNAME,
      perIp: config.LOGIN_MAX_FAILURES_PER_IP,
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
    const relay = createOutboxRelay({
      db,
      progress: createServiceClient({
        service: 'progress',
        baseUrl: config.PROGRESS_URL,
        internalToken: config.INTERNAL_TOKEN,
        timeoutMs: relayHttpTimeoutMs(config.OUTBOX_LEASE_MS),
      }),
      pollMs: config.OUTBOX_POLL_MS,
      leaseMs: config.OUTBOX_LEASE_MS,
      metrics: createOutboxRelayMetrics(metrics),
      log: app.log.child({ job: 'outbox-relay' }),
    });
    const counters = {
      logins: metrics.counter('questline_logins_total', 'Successful logins'),
      signups: metrics.counter('questline_signups_total', 'Accounts created'),
      grants: metrics.counter('questline_grants_total', 'Grants paid (duplicates not counted), by source', ['source']),
      throttled: metrics.counter('questline_logins_throttled_total', 'Login attempts refused by the failed-login throttle'),
    };
    const currencies = createCatalogCurrencies(createServiceClient({ service: 'catalog', baseUrl: config.CATALOG_URL, timeoutMs: 2000 }), {
      minRefreshMs: CURRENCY_REFRESH_MS,
      log: app.log.child({ component: 'catalog-currencies' }),
    });
    const deps = { db, accounts, signer, verify, relay, currencies, internalToken: config.INTERNAL_TOKEN, counters };
    registerAuthRoutes(app, deps);
    registerMeRoutes(app, deps);
    registerAdminRoutes(app, deps);
    registerInternalRoutes(app, deps);

    const sweeper = setInterval(() => {
      throttle.sweep().catch((err: unknown) => app.log.warn({ err }, 'login throttle: sweep failed'));
    }, THROTTLE_SWEEP_MS);
    sweeper.unref();

    app.addHook('onClose', async () => {
      clearInterval(sweeper);
      await relay.stop();
      await database.close();
    });
    relay.start();
    return app;
  } catch (err) {
    await database.close();
    throw err;
  }
}
