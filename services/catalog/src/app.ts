import { sql } from 'kysely';
import { createApp, createDatabase, createServiceClient, remoteTokenVerifier, requireAuth, type App } from '@questline/platform';
import { createAuthUserConfirmer } from './clients/auth-user-confirmer.js';
import type { Config } from './config.js';
import type { CatalogDatabase } from './db/schema.js';
import { registerAuditRoutes } from './routes/audit.routes.js';
import { registerCurrencyRoutes } from './routes/currency.routes.js';
import { registerInternalRoutes } from './routes/internal.routes.js';
import { registerAdminQuestRoutes } from './routes/quest-admin.routes.js';
import { registerPublicQuestRoutes } from './routes/quest-public.routes.js';
import { registerRewardRoutes } from './routes/reward.routes.js';
import type { CatalogContext } from './use-cases/context.js';

export async function buildApp(config: Config): Promise<App> {
  const database = createDatabase<CatalogDatabase>(config.DATABASE_URL);
  const { db } = database;
  const { app, metrics } = await createApp({
    service: 'catalog',
    logLevel: config.LOG_LEVEL,
    trustProxy: config.TRUST_PROXY,
    internalToken: config.INTERNAL_TOKEN,
    title: 'Questline catalog',
    readiness: [{ name: 'database', check: () => sql`select 1`.execute(db) }],
  });

  const changes = metrics.counter('questline_catalog_changes_total', 'Catalog changes that took effect, by action', ['action']);
  const ctx: CatalogContext = { db, recordChange: (action) => changes.inc({ action }) };
  const verify = remoteTokenVerifier(`${config.AUTH_URL.replace(/\/$/, '')}/.well-known/jwks.json`, { log: app.log.child({ component: 'jwks' }) });
  // Every /api/v1/admin/* route: a valid admin token (cheap reject), then auth confirms the caller
  // is still an admin and not banned; a token outlives a demotion or a ban by up to 15 minutes.
  const auth = createServiceClient({ service: 'auth', baseUrl: config.AUTH_URL, internalToken: config.INTERNAL_TOKEN, timeoutMs: 2000 });
  const adminOnly = requireAuth(verify, { role: 'admin', confirm: createAuthUserConfirmer(auth) });

  registerPublicQuestRoutes(app, { db, verify });
  registerAdminQuestRoutes(app, { ctx, adminOnly });
  registerRewardRoutes(app, { ctx, adminOnly });
  registerCurrencyRoutes(app, { ctx, adminOnly });
  registerAuditRoutes(app, { db, adminOnly });
  registerInternalRoutes(app, { db, internalToken: config.INTERNAL_TOKEN });

  // No background workers in the catalog besides the JWKS refresh; then the pool.
  app.addHook('onClose', async () => {
    verify.close();
    await database.close();
  });
  return app;
}
