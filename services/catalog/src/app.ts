import { sql } from 'kysely';
import { createApp, createDatabase, type App } from '@questline/platform';
import type { Config } from './config.js';
import { createCatalogDependencies } from './context.js';
import type { CatalogDatabase } from './db/schema.js';
import { registerAuditRoutes } from './routes/audit.routes.js';
import { registerCurrencyRoutes } from './routes/currency.routes.js';
import { registerEventTypeRoutes } from './routes/event-type.routes.js';
import { registerInternalRoutes } from './routes/internal.routes.js';
import { registerAdminQuestRoutes } from './routes/quest-admin.routes.js';
import { registerPublicQuestRoutes } from './routes/quest-public.routes.js';
import { registerRewardRoutes } from './routes/reward.routes.js';

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

  const { ctx, verify, adminOnly, catalogWrite, close } = createCatalogDependencies(config, db, metrics, app.log);
  registerPublicQuestRoutes(app, { ctx, verify });
  registerAdminQuestRoutes(app, { ctx, catalogWrite });
  registerRewardRoutes(app, { ctx, catalogWrite });
  registerCurrencyRoutes(app, { ctx, catalogWrite });
  registerAuditRoutes(app, { ctx, adminOnly });
  registerEventTypeRoutes(app, { ctx, guard: catalogWrite });
  registerInternalRoutes(app, { ctx, internalToken: config.INTERNAL_TOKEN });

  // No background workers in the catalog besides the JWKS refresh; then the pool.
  app.addHook('onClose', async () => {
    close();
    await database.close();
  });
  return app;
}
