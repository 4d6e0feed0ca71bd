import { sql } from 'kysely';
import { createApp, createDatabase, remoteTokenVerifier, type App } from '@questline/platform';
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
    title: 'Questline catalog',
    readiness: [{ name: 'database', check: () => sql`select 1`.execute(db) }],
  });

  const changes = metrics.counter('questline_catalog_changes_total', 'Catalog changes that took effect, by action', ['action']);
  const ctx: CatalogContext = { db, recordChange: (action) => changes.inc({ action }) };
  const verify = remoteTokenVerifier(`${config.AUTH_URL.replace(/\/$/, '')}/.well-known/jwks.json`);

  registerPublicQuestRoutes(app, { db, verify });
  registerAdminQuestRoutes(app, { ctx, verify });
  registerRewardRoutes(app, { ctx, verify });
  registerCurrencyRoutes(app, { ctx, verify });
  registerAuditRoutes(app, { db, verify });
  registerInternalRoutes(app, { db, internalToken: config.INTERNAL_TOKEN });

  // No background workers in the catalog; the pool is the only thing to release.
  app.addHook('onClose', async () => {
    await database.close();
  });
  return app;
}
