import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import {
  createChangeListener,
  createChangePublisher,
  createDatabase,
  createOutboxRelayMetrics,
  createServiceClient,
  relayHttpTimeoutMs,
  remoteApiKeyVerifier,
  remoteTokenVerifier,
  type ApiKeyVerifier,
  type ChangeListener,
  type Metrics,
  type TokenVerifier,
} from '@questline/platform';
import type { Config } from './config.js';
import type { ProgressDatabase } from './db/schema.js';
import { loadCatalogSnapshot, saveCatalogSnapshot } from './db/catalog-snapshot.repository.js';
import { CatalogCache } from './clients/catalog-cache.js';
import { UserDirectory } from './clients/user-directory.js';
import { createGrantRelay, type GrantRelay } from './workers/grant-relay.js';
import { createWebhookRelay, type WebhookRelay } from './workers/webhook-relay.js';
import { createProgressMetrics, type ProgressCounters } from './progress-metrics.js';
import { GroupCommitter } from './use-cases/group-commit.use-case.js';
import { QuestListCache } from './use-cases/quest-list-cache.js';
import { allQuestsChanged, QUEST_CHANGES_CHANNEL, type QuestChange } from './domain/quest-changes.js';

/** Everything the routes and use cases of this service are built from; assembled once, here. */
export interface ProgressContext {
  config: Config;
  db: Kysely<ProgressDatabase>;
  catalog: CatalogCache;
  users: UserDirectory;
  relay: GrantRelay;
  /** Hands quest.completed / quest.claimed to auth, which sends the webhooks. */
  webhookRelay: WebhookRelay;
  verify: TokenVerifier;
  /** API keys, asked of auth behind a 2 s cache (a revocation holds within it). */
  keys: ApiKeyVerifier;
  counters: ProgressCounters;
  /** Single events (POST /events), committed in groups under load. */
  singleEvents: GroupCommitter;
  /** Rendered GET /me/quests bodies of this replica, served only while the database says they are current. */
  questLists: QuestListCache;
  /** Called after a commit that queued grants or webhook messages: the relays send them now rather than at their next poll. */
  onGrantsQueued: () => void;
  /** After a commit: tells every replica's live streams of the user which quests to read again. */
  publishChange: (change: QuestChange) => void;
  /** This replica's ear on the quest changes of every replica, for the live feeds it serves. */
  listener: ChangeListener;
  /** Loads a catalog copy (the stored one, then a fresh one when the catalog is up) and starts the relay. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export function buildContext(config: Config, app: { log: FastifyBaseLogger; metrics: Metrics }): ProgressContext {
  const database = createDatabase<ProgressDatabase>(config.DATABASE_URL);
  const { db } = database;
  const authClient = createServiceClient({ service: 'auth', baseUrl: config.AUTH_URL, internalToken: config.INTERNAL_TOKEN });
  const catalogClient = createServiceClient({ service: 'catalog', baseUrl: config.CATALOG_URL, internalToken: config.INTERNAL_TOKEN, timeoutMs: 3000 });
  const counters = createProgressMetrics(app.metrics);
  const catalog = new CatalogCache(catalogClient, config.CATALOG_POLL_MS, app.log.child({ component: 'catalog-cache' }), {
    load: () => loadCatalogSnapshot(db),
    save: (copy) => saveCatalogSnapshot(db, copy),
  });
  const users = new UserDirectory(db, authClient);
  // The relay's own client: its timeout must stay well inside the lease of the rows it carries.
  const grantClient = createServiceClient({
    service: 'auth',
    baseUrl: config.AUTH_URL,
    internalToken: config.INTERNAL_TOKEN,
    timeoutMs: relayHttpTimeoutMs(config.OUTBOX_LEASE_MS),
  });
  const relayMetrics = createOutboxRelayMetrics(app.metrics);
  const relay = createGrantRelay(db, grantClient, {
    pollMs: config.OUTBOX_POLL_MS,
    maxBackoffMs: config.OUTBOX_MAX_BACKOFF_MS,
    leaseMs: config.OUTBOX_LEASE_MS,
    metrics: relayMetrics,
    log: app.log.child({ component: 'grant-relay' }),
    onDelivered: (n) => counters.rewardsPaid.inc(n),
  });
  const webhookRelay = createWebhookRelay(db, grantClient, {
    pollMs: config.OUTBOX_POLL_MS,
    maxBackoffMs: config.OUTBOX_MAX_BACKOFF_MS,
    leaseMs: config.OUTBOX_LEASE_MS,
    metrics: relayMetrics,
    log: app.log.child({ component: 'webhook-relay' }),
  });
  const verify = remoteTokenVerifier(`${config.AUTH_URL.replace(/\/$/, '')}/.well-known/jwks.json`, { log: app.log.child({ component: 'jwks' }) });
  const keys = remoteApiKeyVerifier(authClient);
  const onGrantsQueued = () => {
    relay.nudge();
    webhookRelay.nudge();
  };
  const feedLog = app.log.child({ component: 'change-feed' });
  const changes = createChangePublisher(config.DATABASE_URL, QUEST_CHANGES_CHANNEL, feedLog);
  const listener = createChangeListener(config.DATABASE_URL, QUEST_CHANGES_CHANNEL, feedLog);
  app.metrics.gauge('questline_live_feeds_open', "Players' live feeds this replica serves (one per open stream)", [], (g) => g.set(listener.subscribers));
  const publishChange = (change: QuestChange) => changes.publish(change);
  // Every replica polls the catalog itself, so each tells its own feeds of a new revision, spread
  // over at most 2 s (a thousand feeds must not read the database at once; none should wait long).
  catalog.onNewRevision(() => listener.toEveryone(allQuestsChanged, { spreadMs: Math.min(config.CATALOG_POLL_MS, 2000) }));
  const singleEvents = new GroupCommitter({ db, catalog, counters, onGrantsQueued, publishChange }, { maxInFlight: 4, maxGroup: 256 });

  return {
    config,
    db,
    catalog,
    users,
    relay,
    webhookRelay,
    verify,
    keys,
    counters,
    singleEvents,
    questLists: new QuestListCache(config.QUEST_LIST_CACHE_MB * 1024 * 1024),
    onGrantsQueued,
    publishChange,
    listener,
    async start() {
      await catalog.start();
      relay.start();
      webhookRelay.start();
      await listener.start();
    },
    async close() {
      verify.close();
      catalog.stop();
      await relay.stop();
      await webhookRelay.stop();
      await listener.close();
      await changes.close();
      await database.close();
    },
  };
}
