/**
 * The system under test: PostgreSQL (embedded, fresh, fsync on; or an existing server given with
 * --pg-url) and the four services as the processes `npm start` runs, with start-up timings and a
 * sampler of each service's resident memory (RSS, from /proc).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ensureDatabases, freePort, startEmbeddedPostgres, startStack, type EmbeddedServer, type ServiceName, type Stack } from '@questline/devstack';
import { generateSigningJwk } from '@questline/testkit';
import { buildServices } from '../../scripts/build-services.js';
import { cpuMs, processTreeCpuMs, rssMB } from '../shared/proc.js';
import { installPgStatements, PG_STATEMENTS_SETTINGS } from '../shared/pg-statements.js';
import { withClient } from '../shared/pg-client.js';

export const SERVICE_NAMES: ServiceName[] = ['gateway', 'auth', 'catalog', 'progress'];
const UNLIMITED = '1000000000';

export interface System {
  stack: Stack;
  pgUrl: string;
  databases: { auth: string; catalog: string; progress: string; pgbench: string };
  jwtPrivateJwk: string;
  admin: { username: string; password: string };
  startup: { postgresMs: number | null; firstStartMs: number; restartMs: number };
  /** CPU time (ms) the embedded PostgreSQL (postmaster and backends) has used so far; NaN on a --pg-url server. */
  postgresCpuMs(): Promise<number>;
  stop(): Promise<void>;
}

export interface SystemOptions {
  baseDir: string;
  pgUrl?: string;
  cpuProfile?: { service: ServiceName; dir: string };
  /** Extra Node/V8 flags for every service (e.g. --max-semi-space-size=8), to compare settings. */
  nodeFlags?: string[];
  /** Preload pg_stat_statements in the embedded server (--pg-statements). */
  pgStatements?: boolean;
}

export async function startSystem(opts: SystemOptions): Promise<System> {
  let embedded: EmbeddedServer | undefined;
  let postgresMs: number | null = null;
  let pgUrl = opts.pgUrl;
  if (!pgUrl) {
    const t = performance.now();
    embedded = await startEmbeddedPostgres({ dir: path.join(opts.baseDir, 'pg'), port: await freePort(), password: randomBytes(12).toString('hex'), settings: opts.pgStatements ? PG_STATEMENTS_SETTINGS : undefined });
    postgresMs = performance.now() - t;
    pgUrl = embedded.url;
  }
  // A suffix keeps runs against a shared --pg-url server apart.
  const suffix = randomBytes(3).toString('hex');
  const names = ['auth', 'catalog', 'progress', 'pgbench'].map((n) => `bench_${n}_${suffix}`);
  const urls = await ensureDatabases(pgUrl, names);
  if (opts.pgStatements && embedded) await installPgStatements(pgUrl);
  const databases = { auth: urls[names[0]!]!, catalog: urls[names[1]!]!, progress: urls[names[2]!]!, pgbench: urls[names[3]!]! };
  const jwtPrivateJwk = await generateSigningJwk();
  const admin = { username: 'admin', password: randomBytes(12).toString('hex') };
  const settings = {
    ports: { gateway: await freePort(), auth: await freePort(), catalog: await freePort(), progress: await freePort() },
    databases: { auth: databases.auth, catalog: databases.catalog, progress: databases.progress },
    internalToken: randomBytes(24).toString('hex'),
    apiKeyHashSecret: randomBytes(32).toString('base64url'),
    webhookSecretKey: randomBytes(32).toString('base64url'),
    // The webhook receivers of the measurements listen on loopback.
    allowLocalWebhooks: true,
    jwtPrivateJwk,
    admin,
    nodeEnv: 'production' as const,
    logLevel: 'warn',
    logDir: path.join(opts.baseDir, 'logs'),
    // All load comes from one address and a few users: the edge limits would measure themselves.
    extraEnv: { gateway: { RATE_LIMIT_MAX: UNLIMITED, RATE_LIMIT_USER_MAX: UNLIMITED, RATE_LIMIT_KEY_MAX: UNLIMITED, RATE_LIMIT_KEY_IP_MAX: UNLIMITED, AUTH_RATE_LIMIT_MAX: UNLIMITED } },
    nodeArgs: Object.fromEntries(SERVICE_NAMES.map((n) => [n, [...(opts.nodeFlags ?? [])]])) as Partial<Record<ServiceName, string[]>>,
    // What `npm start` and the images run: the bundles, with plain Node.
    runtime: 'bundle' as const,
  };
  if (opts.cpuProfile) {
    // V8 writes the profile when the process exits (the stack's SIGTERM drain ends in an exit).
    const { service, dir } = opts.cpuProfile;
    settings.nodeArgs[service] = [...(settings.nodeArgs[service] ?? []), '--cpu-prof', `--cpu-prof-dir=${dir}`];
  }
  await buildServices();
  let t = performance.now();
  let stack = await startStack(settings);
  const firstStartMs = performance.now() - t;
  // The second start is the everyday one: migrations already applied, catalog already seeded.
  await stack.stop();
  t = performance.now();
  stack = await startStack(settings);
  const restartMs = performance.now() - t;
  const current = stack;
  const serverUrl = pgUrl;
  return {
    stack: current,
    pgUrl,
    databases,
    jwtPrivateJwk,
    admin,
    startup: { postgresMs, firstStartMs, restartMs },
    async postgresCpuMs() {
      if (!embedded) return NaN;
      const pid = Number((await readFile(path.join(opts.baseDir, 'pg', 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
      return pid > 0 ? processTreeCpuMs(pid) : NaN;
    },
    async stop() {
      await current.stop().catch(() => undefined);
      // On a server of the user's (--pg-url), the run's databases go away with it.
      if (!embedded) await dropDatabases(serverUrl, names).catch((err: Error) => process.stderr.write(`could not drop the bench databases: ${err.message}\n`));
      await embedded?.stop().catch(() => undefined);
    },
  };
}

async function dropDatabases(adminUrl: string, names: string[]): Promise<void> {
  await withClient(adminUrl, async (c) => {
    for (const name of names) await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}

export type Rss = Record<ServiceName, number>;

export async function cpuNow(stack: Stack): Promise<Rss> {
  const out = {} as Rss;
  for (const name of SERVICE_NAMES) out[name] = await cpuMs(stack.services[name].child.pid);
  return out;
}

export async function rssNow(stack: Stack): Promise<Rss> {
  const out = {} as Rss;
  for (const name of SERVICE_NAMES) out[name] = await rssMB(stack.services[name].child.pid);
  return out;
}

/** Samples every service's RSS while load runs; `peak()` is the highest seen per service. */
export function rssSampler(stack: Stack, everyMs = 250) {
  const peak = Object.fromEntries(SERVICE_NAMES.map((n) => [n, 0])) as Rss;
  const timer = setInterval(() => {
    void rssNow(stack).then((now) => {
      for (const n of SERVICE_NAMES) if (now[n] > peak[n]) peak[n] = now[n];
    });
  }, everyMs);
  timer.unref();
  return {
    peak: () => ({ ...peak }),
    stop: () => clearInterval(timer),
  };
}
