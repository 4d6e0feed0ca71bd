import { sql } from 'kysely';
import { createLocalJWKSet } from 'jose';
import { createApp, createDatabase, createServiceClient, createTokenVerifier, type App } from '@questline/platform';
import type { Config } from './config.js';
import type { AuthDatabase } from './db/schema.js';
import { countUndeliveredLoginEvents } from './db/login-outbox.repository.js';
import { createAccounts } from './domain/accounts.js';
import { ensureAdmin } from './domain/admin-users.js';
import { createPasswordChecker } from './domain/passwords.js';
import { createAccessTokenSigner } from './domain/tokens.js';
import { createLoginRelay } from './jobs/login-relay.js';
import { registerAdminRoutes } from './routes/admin.routes.js';
import { registerAuthRoutes } from './routes/auth.routes.js';
import { registerInternalRoutes } from './routes/internal.routes.js';
import { registerMeRoutes } from './routes/me.routes.js';

/** Builds the auth service; the database must already be migrated (server.ts or the tests do it). */
export async function buildApp(config: Config): Promise<App> {
  const signer = await createAccessTokenSigner(config.JWT_PRIVATE_JWK, config.ACCESS_TOKEN_TTL_SECONDS);
  const database = createDatabase<AuthDatabase>(config.DATABASE_URL);
  const { db } = database;
  try {
    const { app, metrics } = await createApp({
      service: 'auth',
      title: 'Questline accounts',
      logLevel: config.LOG_LEVEL,
      // Progress is not required: logins wait in the outbox until it is back.
      readiness: [{ name: 'database', check: () => sql`select 1`.execute(db) }],
    });

    if (config.ADMIN_USERNAME && config.ADMIN_PASSWORD) {
      const admin = await ensureAdmin(db, config.ADMIN_USERNAME, config.ADMIN_PASSWORD);
      app.log.info({ userId: admin.id, username: admin.username }, 'admin account ensured');
    } else if (config.ADMIN_USERNAME || config.ADMIN_PASSWORD) {
      app.log.warn('ADMIN_USERNAME and ADMIN_PASSWORD must both be set to ensure an admin account; ignoring');
    }

    const verify = createTokenVerifier(createLocalJWKSet(signer.jwks));
    const accounts = createAccounts({
      db,
      signer,
      checkPassword: await createPasswordChecker(),
      accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
    });
    const relay = createLoginRelay({
      db,
      progress: createServiceClient({ service: 'progress', baseUrl: config.PROGRESS_URL, internalToken: config.INTERNAL_TOKEN }),
      pollMs: config.OUTBOX_POLL_MS,
      log: app.log.child({ job: 'login-relay' }),
    });
    const counters = {
      logins: metrics.counter('questline_logins_total', 'Successful logins'),
      signups: metrics.counter('questline_signups_total', 'Accounts created'),
      grants: metrics.counter('questline_grants_total', 'Grants paid (duplicates not counted), by source', ['source']),
    };
    metrics.gauge('questline_login_outbox_backlog', 'Login events not yet delivered to progress', [], async (gauge) => {
      try {
        gauge.set(await countUndeliveredLoginEvents(db));
      } catch {
        // A scrape during a database outage keeps the last value; /readyz reports the outage.
      }
    });

    const deps = { db, accounts, signer, verify, relay, internalToken: config.INTERNAL_TOKEN, counters };
    registerAuthRoutes(app, deps);
    registerMeRoutes(app, deps);
    registerAdminRoutes(app, deps);
    registerInternalRoutes(app, deps);

    app.addHook('onClose', async () => {
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
