import { sql } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import { ConfigError, createApp, createDatabase, type App } from '@questline/platform';
import type { Config } from './config.js';
import { createAuthDependencies, loadCredentials, type AuthDependencies } from './context.js';
import type { AuthDatabase } from './db/schema.js';
import { registerAdminRoutes } from './routes/admin.routes.js';
import { registerApiKeyRoutes } from './routes/api-keys.routes.js';
import { registerAuthRoutes } from './routes/auth.routes.js';
import { registerInternalRoutes } from './routes/internal.routes.js';
import { registerMeRoutes } from './routes/me.routes.js';
import { registerStreamRoutes } from './routes/stream.routes.js';
import { registerUserRoutes } from './routes/users.routes.js';
import { registerWebhookRoutes } from './routes/webhooks.routes.js';
import { ensureAdmin } from './use-cases/admin-users.use-case.js';

/** Builds the auth service; the database must already be migrated (server.ts or the tests do it). */
export async function buildApp(config: Config): Promise<App> {
  const credentials = await loadCredentials(config);
  const database = createDatabase<AuthDatabase>(config.DATABASE_URL);
  const { db } = database;
  try {
    const { app, metrics } = await createApp({
      service: 'auth',
      title: 'Questline accounts',
      logLevel: config.LOG_LEVEL,
      trustProxy: config.TRUST_PROXY,
      internalToken: config.INTERNAL_TOKEN,
      // Progress is not required: logins and profile updates wait in the outbox until it is back.
      readiness: [{ name: 'database', check: () => sql`select 1`.execute(db) }],
    });

    const deps = createAuthDependencies(config, db, metrics, app.log, credentials);
    await ensureConfiguredAdmin(config, deps, app.log);
    registerAuthRoutes(app, deps);
    registerMeRoutes(app, deps);
    registerAdminRoutes(app, deps);
    registerApiKeyRoutes(app, deps);
    registerUserRoutes(app, deps);
    registerWebhookRoutes(app, deps);
    registerInternalRoutes(app, deps);
    registerStreamRoutes(app, deps);

    app.addHook('onClose', async () => {
      await deps.stop();
      await database.close();
    });
    deps.start();
    return app;
  } catch (err) {
    await database.close();
    throw err;
  }
}

async function ensureConfiguredAdmin(config: Config, deps: AuthDependencies, log: FastifyBaseLogger): Promise<void> {
  if (!config.ADMIN_USERNAME || !config.ADMIN_PASSWORD) {
    if (config.ADMIN_USERNAME || config.ADMIN_PASSWORD) {
      log.warn('ADMIN_USERNAME and ADMIN_PASSWORD must both be set to ensure an admin account; ignoring');
    }
    return;
  }
  const admin = await ensureAdmin(deps.ctx, deps.passwords, config.ADMIN_USERNAME, config.ADMIN_PASSWORD);
  if (admin.kind === 'not_admin') {
    // Promoting would make whoever registered that name an admin with their own password.
    throw new ConfigError(
      'ADMIN_USERNAME',
      `names the existing user "${admin.user.username}", who is not an admin; refusing to promote it. ` +
        'Choose another ADMIN_USERNAME, or have an admin promote that user (PATCH /api/v1/admin/users/{userId}).',
    );
  }
  log.info({ userId: admin.user.id, username: admin.user.username, created: admin.kind === 'created' }, 'admin account ensured');
}
