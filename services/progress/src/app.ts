import { sql } from 'kysely';
import {
  createApp,
  createDatabase,
  createOutboxRelayMetrics,
  createServiceClient,
  relayHttpTimeoutMs,
  remoteTokenVerifier,
  type App,
} from '@questline/platform';
import type { Config } from './config.js';
import type { ProgressDatabase } from './db/schema.js';
import type { ProgressContext } from './context.js';
import { CatalogCache } from './clients/catalog-cache.js';
import { UserDirectory } from './clients/user-directory.js';
import { createGrantRelay, type GrantRelay } from './workers/grant-relay.js';
import { loadCatalogSnapshot, saveCatalogSnapshot } from './db/catalog-snapshot.repository.js';
import { createProgressMetrics } from './progress-metrics.js';
import { registerEventRoutes } from './routes/events.routes.js';
import { registerQuestRoutes } from './routes/quests.routes.js';
import { registerInternalRoutes } from './routes/internal.routes.js';

export type { App } from '@questline/platform';

/** Background parts of a built app; tests drive them directly (force a catalog refresh, run the relay). */
export interface ProgressInternals {
  catalog: CatalogCache;
  relay: GrantRelay;
  users: UserDirectory;
}

const internals = new WeakMap<App, ProgressInternals>();

export function internalsOf(app: App): ProgressInternals {
  const found = internals.get(app);
  if (!found) throw new Error('not a progress app');
  return found;
}

export async function buildApp(config: Config): Promise<App> {
  const database = createDatabase<ProgressDatabase>(config.DATABASE_URL);
  const { db } = database;
  // Readiness is declared before the cache exists (the cache needs the app's logger).
  const cacheRef: { current?: CatalogCache } = {};
  const { app, metrics } = await createApp({
    service: 'progress',
    logLevel: config.LOG_LEVEL,
    internalToken: config.INTERNAL_TOKEN,
    readiness: [
      { name: 'database', check: () => sql`select 1`.execute(db) },
      {
        name: 'catalog',
        check: async () => {
          if (!cacheRef.current?.snapshot) throw new Error('no catalog copy loaded yet');
        },
      },
    ],
  });

  const authClient = createServiceClient({ service: 'auth', baseUrl: config.AUTH_URL, internalToken: config.INTERNAL_TOKEN });
  const catalogClient = createServiceClient({ service: 'catalog', baseUrl: config.CATALOG_URL, internalToken: config.INTERNAL_TOKEN, timeoutMs: 3000 });
  const counters = createProgressMetrics(metrics);
  const catalog = new CatalogCache(catalogClient, config.CATALOG_POLL_MS, app.log.child({ component: 'catalog-cache' }), {
    load: () => loadCatalogSnapshot(db),
    save: (copy) => saveCatalogSnapshot(db, copy),
  });
  const users = new UserDirectory(db, authClient);
  // The relay's own client: its timeout must stay well inside the lease.
  const grantClient = createServiceClient({
    service: 'auth',
    baseUrl: config.AUTH_URL,
    internalToken: config.INTERNAL_TOKEN,
    timeoutMs: relayHttpTimeoutMs(config.OUTBOX_LEASE_MS),
  });
  const relay = createGrantRelay(db, grantClient, {
    pollMs: config.OUTBOX_POLL_MS,
    maxBackoffMs: config.OUTBOX_MAX_BACKOFF_MS,
    leaseMs: config.OUTBOX_LEASE_MS,
    metrics: createOutboxRelayMetrics(metrics),
    log: app.log.child({ component: 'grant-relay' }),
    onDelivered: (n) => counters.rewardsPaid.inc(n),
  });
  cacheRef.current = catalog;

  const verify = remoteTokenVerifier(`${config.AUTH_URL.replace(/\/$/, '')}/.well-known/jwks.json`, { log: app.log.child({ component: 'jwks' }) });
  const ctx: ProgressContext = {
    config,
    db,
    catalog,
    users,
    relay,
    verify,
    counters,
  };
  registerEventRoutes(app, ctx);
  registerQuestRoutes(app, ctx);
  registerInternalRoutes(app, ctx);
  internals.set(app, { catalog, relay, users });

  app.addHook('onClose', async () => {
    verify.close();
    catalog?.stop();
    await relay.stop();
    await database.close();
  });

  // A catalog copy before serving: the stored one, then a fresh one when the catalog is up; with
  // neither, /readyz says why not.
  await catalog.start();
  relay.start();
  return app;
}
