import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { freePort, repoRoot, startStack, type ServiceName, type ServiceRuntime, type Stack } from '@questline/devstack';
import { createTestDatabase, type TestDatabase } from './database.js';
import { generateSigningJwk } from './keys.js';
import { testEnv } from './config.js';

export interface TestStack extends Stack {
  gateway: string;
  internalToken: string;
  admin: { username: string; password: string };
  /** The services' database URLs (tests look at what was stored, e.g. auth's webhook messages). */
  databases: { auth: string; catalog: string; progress: string };
  close(): Promise<void>;
}

/**
 * The whole system for an integration test: three fresh databases on the test PostgreSQL and the
 * four real services as processes on free ports, talking real HTTP. Polling intervals are short so
 * that tests wait less; behaviour is otherwise the production code path.
 */
export async function startTestStack(opts: {
  name: string;
  extraEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Fixed ports for some services (the rest are free ports). */
  ports?: Partial<Record<ServiceName, number>>;
  /** Sources through tsx (default) or the bundles `npm start` runs (benchmarks). */
  runtime?: ServiceRuntime;
}): Promise<TestStack> {
  const dbs: TestDatabase[] = await Promise.all(['auth', 'catalog', 'progress'].map((s) => createTestDatabase(`${opts.name}_${s}`)));
  const [auth, catalog, progress] = dbs as [TestDatabase, TestDatabase, TestDatabase];
  const ports = {
    gateway: opts.ports?.gateway ?? (await freePort()),
    auth: opts.ports?.auth ?? (await freePort()),
    catalog: opts.ports?.catalog ?? (await freePort()),
    progress: opts.ports?.progress ?? (await freePort()),
  };
  const internalToken = randomBytes(24).toString('hex');
  const admin = { username: 'admin', password: `admin-${randomBytes(6).toString('hex')}` };
  const artifacts = testEnv.artifactsDir ?? path.join(repoRoot, 'test-results');
  const fast = {
    progress: { CATALOG_POLL_MS: '300', OUTBOX_POLL_MS: '200' },
    auth: { OUTBOX_POLL_MS: '200' },
    gateway: { RATE_LIMIT_MAX: '100000', AUTH_RATE_LIMIT_MAX: '100000' },
  };
  const extra = Object.fromEntries(
    (['gateway', 'auth', 'catalog', 'progress'] as const).map((s) => [s, { ...(fast as Record<string, Record<string, string>>)[s], ...opts.extraEnv?.[s] }]),
  );
  let stack: Stack;
  try {
    stack = await startStack({
      ports,
      databases: { auth: auth.url, catalog: catalog.url, progress: progress.url },
      internalToken,
      jwtPrivateJwk: await generateSigningJwk(),
      apiKeyHashSecret: randomBytes(32).toString('hex'),
      webhookSecretKey: randomBytes(32).toString('hex'),
      // Test receivers listen on loopback over plain http.
      allowLocalWebhooks: true,
      admin,
      nodeEnv: 'test',
      logLevel: testEnv.stackLogLevel,
      logDir: path.join(artifacts, 'logs', `${opts.name}-${randomBytes(3).toString('hex')}`),
      extraEnv: extra,
      runtime: opts.runtime,
    });
  } catch (err) {
    await Promise.all(dbs.map((d) => d.drop().catch(() => undefined)));
    throw err;
  }
  return {
    ...stack,
    gateway: stack.urls.gateway,
    internalToken,
    admin,
    databases: { auth: auth.url, catalog: catalog.url, progress: progress.url },
    async close() {
      await stack.stop();
      await Promise.all(dbs.map((d) => d.drop().catch(() => undefined)));
    },
  };
}

/** Free ports for a whole `npm start` (its GATEWAY_/AUTH_/CATALOG_/PROGRESS_/PG_PORT variables). */
export async function startCommandPorts(): Promise<Record<'GATEWAY_PORT' | 'AUTH_PORT' | 'CATALOG_PORT' | 'PROGRESS_PORT' | 'PG_PORT', string>> {
  return {
    GATEWAY_PORT: String(await freePort()),
    AUTH_PORT: String(await freePort()),
    CATALOG_PORT: String(await freePort()),
    PROGRESS_PORT: String(await freePort()),
    PG_PORT: String(await freePort()),
  };
}

