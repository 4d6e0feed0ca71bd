import { sql } from 'kysely';
import { createApp, type App } from '@questline/platform';
import type { Config } from './config.js';
import { buildContext, type ProgressContext } from './context.js';
import { registerEventRoutes } from './routes/events.routes.js';
import { registerQuestRoutes } from './routes/quests.routes.js';
import { registerInternalRoutes } from './routes/internal.routes.js';

export type { App } from '@questline/platform';

/** A built service: the HTTP app, and what it was built from (tests drive the relay and the catalog cache through it). */
export interface ProgressApp {
  app: App;
  ctx: ProgressContext;
}

export async function buildApp(config: Config): Promise<ProgressApp> {
  // Readiness is declared before the context exists (the context needs the app's logger and
  // metrics); its checks run only once the app serves, when `context` is set.
  const { app, metrics } = await createApp({
    service: 'progress',
    logLevel: config.LOG_LEVEL,
    trustProxy: config.TRUST_PROXY,
    internalToken: config.INTERNAL_TOKEN,
    readiness: [
      { name: 'database', check: () => sql`select 1`.execute(context.db) },
      {
        name: 'catalog',
        check: async () => {
          if (!context.catalog.snapshot) throw new Error('no catalog copy loaded yet');
        },
      },
    ],
  });
  const context = buildContext(config, { log: app.log, metrics });
  registerEventRoutes(app, context);
  registerQuestRoutes(app, context);
  registerInternalRoutes(app, context);
  app.addHook('onClose', () => context.close());

  // A catalog copy before serving: the stored one, then a fresh one when the catalog is up; with
  // neither, /readyz says why not.
  await context.start();
  return { app, ctx: context };
}
