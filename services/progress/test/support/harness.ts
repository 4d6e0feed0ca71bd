import pg from 'pg';
import { RESERVED_EVENT_TYPES, type EventTypeRule, type InternalUser, type PublishedQuest, type UserProfileUpdate } from '@questline/contracts';
import { injectInternal } from '@questline/testkit';
import { parseConfig } from '@questline/platform';
import { createTestDatabase, type TestDatabase } from '@questline/testkit';
import { buildApp, type App, type ProgressApp } from '../../src/app.js';
import type { ProgressContext } from '../../src/context.js';
import { ConfigSchema, type Config } from '../../src/config.js';
import { runMigrations } from '../../src/db/migrations.js';
import { INTERNAL_TOKEN, startAuthStandIn, startCatalogStandIn, type AuthStandIn, type CatalogStandIn } from './stand-ins.js';

export interface Harness {
  app: App;
  /** What the app was built from: its catalog cache, relay, user directory. */
  ctx: ProgressContext;
  auth: AuthStandIn;
  catalog: CatalogStandIn;
  db: TestDatabase;
  config: Config;
  /** Another app instance on the same database (a second replica, or the service after a restart). */
  buildReplica(): Promise<ProgressApp>;
  /** Runs one query on the service's database (to look at what was stored). */
  sql<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  /**
   * POST /api/v1/events as a server (an admin's token) naming the user: how tests send the types
   * players may not report (login), whose subject is not trust.
   */
  serverEvent(userId: string, payload: Record<string, unknown>, target?: App): Promise<Awaited<ReturnType<App['inject']>>>;
  /** Delivers a profile update as auth's outbox does (signed POST /internal/users/:id/profile). */
  pushProfile(profile: UserProfileUpdate, app?: App): Promise<number>;
  /** Runs the relay of an app (default: the first) until nothing is due, ignoring backoff waits. */
  drainOutbox(target?: ProgressApp): Promise<void>;
  close(): Promise<void>;
}

/** A profile update as auth's outbox would push it for a user of the auth stand-in. */
export const profileOf = (user: InternalUser, changes: Partial<UserProfileUpdate> & { version: number }): UserProfileUpdate => ({
  id: user.id,
  role: user.role,
  status: user.status,
  timezone: user.timezone,
  ...changes,
});

const FAR_FUTURE = () => new Date(Date.now() + 24 * 3600_000);

/**
 * Every type the quests listen to, except the reserved ones, declared player-reportable without
 * limits: what most tests need, whose subject is progress and not trust. Tests of trust pass their own.
 */
export const reportableTypesOf = (quests: PublishedQuest[]): EventTypeRule[] =>
  [...new Set(quests.map((q) => q.objective.event))]
    .filter((type) => !RESERVED_EVENT_TYPES.includes(type))
    .map((type) => ({ type, playerReportable: true, maxValue: null, playerDailyLimit: null }));

export interface HarnessOptions {
  /** The catalog's declared event types (default: reportableTypesOf(quests)). */
  eventTypes?: EventTypeRule[];
}

export async function startHarness(prefix: string, quests: PublishedQuest[], env: Record<string, string> = {}, opts: HarnessOptions = {}): Promise<Harness> {
  const db = await createTestDatabase(prefix);
  const auth = await startAuthStandIn();
  const catalog = await startCatalogStandIn(quests, opts.eventTypes ?? reportableTypesOf(quests));
  const config = parseConfig(ConfigSchema, {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    DATABASE_URL: db.url,
    INTERNAL_TOKEN,
    AUTH_URL: auth.url,
    CATALOG_URL: catalog.url,
    // Background loops stay out of the way; tests drive the relay and refreshes themselves.
    CATALOG_POLL_MS: '3600000',
    OUTBOX_POLL_MS: '3600000',
    ...env,
  });
  await runMigrations(config);
  const main = await buildApp(config);
  const { app, ctx } = main;
  const replicas: App[] = [];
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  let serverToken: string | undefined;

  return {
    app,
    ctx,
    auth,
    catalog,
    db,
    config,
    async sql<T>(text: string, values?: unknown[]) {
      return (await pool.query(text, values)).rows as T[];
    },
    async serverEvent(userId, payload, target = app) {
      serverToken ??= await auth.token(auth.addUser({ role: 'admin' }));
      return target.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${serverToken}` }, payload: { ...payload, userId } });
    },
    async pushProfile(profile, target = app) {
      const res = await injectInternal(target, INTERNAL_TOKEN, { method: 'POST', url: `/internal/users/${profile.id}/profile`, payload: profile });
      return res.statusCode;
    },
    async buildReplica() {
      const replica = await buildApp(config);
      replicas.push(replica.app);
      return replica;
    },
    async drainOutbox(target = main) {
      const { relay } = target.ctx;
      for (let i = 0; i < 20; i++) {
        const { delivered, failed } = await relay.runOnce({ dueBy: FAR_FUTURE() });
        if (delivered === 0 && failed === 0) return;
      }
      throw new Error('outbox did not drain');
    },
    async close() {
      for (const r of replicas) await r.close();
      await app.close();
      await pool.end();
      await auth.close();
      await catalog.close();
      await db.drop();
    },
  };
}
