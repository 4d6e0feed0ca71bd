/**
 * `npm start`: one embedded PostgreSQL (unless *_DATABASE_URL are given), three databases, the four
 * services as processes; waits until all are ready and prints the URLs. Ctrl-C stops everything, and
 * so does any other way `npm start` is stopped (SIGTERM or SIGHUP to npm alone, npm killed): the
 * script runs as npm's direct child (`exec` in package.json: npm forwards SIGINT and SIGTERM to its
 * child, which sh would not pass on), handles SIGHUP, and stops when its parent goes away.
 * The services run as bundles with plain Node (scripts/build-services.ts, rebuilt here each time:
 * under a second), as the images run them.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateSigningJwk } from '@questline/testkit';
import {
  ensureDatabases,
  lockDataDir,
  probeDatabase,
  repoRoot,
  startEmbeddedPostgres,
  startOrphanGuard,
  startStack,
  takeOverShutdownSignals,
  tryListen,
  type EmbeddedServer,
  type InstanceLock,
  type ServiceProcess,
  type Stack,
} from '@questline/devstack';
import { buildServices } from './build-services.js';
import { gatewayEnv, loadStartConfig } from './start-config.js';

interface Secrets {
  pgPassword: string;
  internalToken: string;
  jwtPrivateJwk: string;
  adminPassword: string;
  apiKeyHashSecret: string;
  webhookSecretKey: string;
}

/** Dev secrets are generated once and kept in the data dir, so tokens and data survive restarts. */
async function loadSecrets(dataDir: string): Promise<Secrets> {
  const file = path.join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    const stored = JSON.parse(await readFile(file, 'utf8')) as Partial<Secrets> & Omit<Secrets, 'apiKeyHashSecret' | 'webhookSecretKey'>;
    if (stored.apiKeyHashSecret && stored.webhookSecretKey) return stored as Secrets;
    // A data dir from before API keys or webhooks: the new secrets are added, the others kept as they are.
    const completed: Secrets = {
      ...stored,
      apiKeyHashSecret: stored.apiKeyHashSecret ?? randomBytes(32).toString('base64url'),
      webhookSecretKey: stored.webhookSecretKey ?? randomBytes(32).toString('base64url'),
    };
    await writeFile(file, JSON.stringify(completed, null, 2), { mode: 0o600 });
    return completed;
  }
  const secrets: Secrets = {
    pgPassword: randomBytes(18).toString('base64url'),
    internalToken: randomBytes(24).toString('base64url'),
    jwtPrivateJwk: await generateSigningJwk(),
    adminPassword: randomBytes(12).toString('base64url'),
    apiKeyHashSecret: randomBytes(32).toString('base64url'),
    webhookSecretKey: randomBytes(32).toString('base64url'),
  };
  await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

function fail(lines: string[], code = 1): never {
  process.stderr.write(lines.map((l) => `${l}\n`).join(''));
  process.exit(code);
}

/** One cause per line under a heading (a failure may have several: three unreachable databases). */
function startupFailed(err: unknown): string {
  const lines = (err instanceof Error ? err.message : String(err)).split('\n').filter((l) => l.trim() !== '');
  return `start-up failed:\n${lines.map((l) => `  ${l}\n`).join('')}`;
}

async function main() {
  const t0 = Date.now();
  const cfg = loadStartConfig();
  const dataDir = path.resolve(repoRoot, cfg.QUESTLINE_DATA_DIR);
  await mkdir(dataDir, { recursive: true });
  const dbUrls = { AUTH_DATABASE_URL: cfg.AUTH_DATABASE_URL, CATALOG_DATABASE_URL: cfg.CATALOG_DATABASE_URL, PROGRESS_DATABASE_URL: cfg.PROGRESS_DATABASE_URL };
  const unset = Object.entries(dbUrls).filter(([, v]) => !v).map(([k]) => k);
  // All three or none: one URL given and another silently left on the embedded server would split
  // a deployment across two database servers without anyone noticing.
  if (unset.length > 0 && unset.length < 3) {
    fail([`invalid configuration: ${unset.join(', ')} must be set too (give all three *_DATABASE_URL or none)`], 78);
  }
  const external = unset.length === 0;
  if (cfg.NODE_ENV === 'production' && (!cfg.ADMIN_PASSWORD || !cfg.INTERNAL_TOKEN || !cfg.JWT_PRIVATE_JWK || !cfg.API_KEY_HASH_SECRET || !cfg.WEBHOOK_SECRET_KEY)) {
    fail(['invalid configuration: ADMIN_PASSWORD, INTERNAL_TOKEN, JWT_PRIVATE_JWK, API_KEY_HASH_SECRET and WEBHOOK_SECRET_KEY are required in production'], 78);
  }

  let lock: InstanceLock;
  try {
    lock = await lockDataDir(dataDir, 'scripts/start.ts');
  } catch (err) {
    fail([(err as Error).message]);
  }
  const ports = { gateway: cfg.GATEWAY_PORT, auth: cfg.AUTH_PORT, catalog: cfg.CATALOG_PORT, progress: cfg.PROGRESS_PORT };
  const wanted: [string, number][] = [...Object.entries(ports), ...(external ? [] : [['postgres', cfg.PG_PORT] as [string, number]])];
  const taken = [];
  for (const [name, port] of wanted) if (!(await tryListen(port))) taken.push(`${name}: port ${port} is in use`);
  if (taken.length > 0) {
    await lock.release();
    fail(taken);
  }

  let pgStarting: Promise<EmbeddedServer> | undefined;
  let stack: Stack | undefined;
  const spawned: ServiceProcess[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nstopping Questline...\n');
    // What start-up has spawned so far, too: a stop may come before the stack is complete.
    if (stack) await stack.stop();
    else for (const proc of spawned.reverse()) await proc.stop();
    const pg = await pgStarting?.catch(() => undefined);
    await pg?.stop();
    await lock.release();
    process.stdout.write('stopped.\n');
    process.exit(code);
  };
  takeOverShutdownSignals(() => void shutdown(0));
  const guard = startOrphanGuard();
  // npm killed (SIGKILL, or SIGHUP, which it does not forward): this process is re-parented.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && void shutdown(0), 500).unref();
  // With npm gone, the terminal or pipe it held may be too: a failed write must not stop the clean-up.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  process.on('uncaughtException', (err) => {
    if (!stopping) process.stderr.write(`${err.stack ?? String(err)}\n`);
    void shutdown(1);
  });

  const secrets = await loadSecrets(dataDir);
  await buildServices();

  let databases: { auth: string; catalog: string; progress: string };
  try {
    if (external) {
      databases = { auth: cfg.AUTH_DATABASE_URL!, catalog: cfg.CATALOG_DATABASE_URL!, progress: cfg.PROGRESS_DATABASE_URL! };
      const probes = await Promise.allSettled(Object.entries(databases).map(([name, url]) => probeDatabase(name, url)));
      const failed = probes.flatMap((p) => (p.status === 'rejected' ? [(p.reason as Error).message] : []));
      if (failed.length > 0) throw new Error(failed.join('\n'));
    } else {
      process.stdout.write(`starting embedded PostgreSQL on 127.0.0.1:${cfg.PG_PORT} (data in ${path.join(dataDir, 'pg')})\n`);
      pgStarting = startEmbeddedPostgres({ dir: path.join(dataDir, 'pg'), port: cfg.PG_PORT, password: secrets.pgPassword });
      const pg = await pgStarting;
      // Only once it is ours: a refused start may have found another PostgreSQL in that directory.
      guard.postgres(path.join(dataDir, 'pg'));
      const urls = await ensureDatabases(pg.url, ['questline_auth', 'questline_catalog', 'questline_progress']);
      databases = { auth: urls.questline_auth!, catalog: urls.questline_catalog!, progress: urls.questline_progress! };
    }
  } catch (err) {
    process.stderr.write(startupFailed(err));
    await shutdown(1);
    return;
  }

  const adminPassword = cfg.ADMIN_PASSWORD ?? secrets.adminPassword;
  const logDir = path.join(dataDir, 'logs');
  process.stdout.write('starting services (logs in ' + logDir + ')\n');
  try {
    stack = await startStack({
      ports,
      databases,
      internalToken: cfg.INTERNAL_TOKEN ?? secrets.internalToken,
      jwtPrivateJwk: cfg.JWT_PRIVATE_JWK ?? secrets.jwtPrivateJwk,
      apiKeyHashSecret: cfg.API_KEY_HASH_SECRET ?? secrets.apiKeyHashSecret,
      webhookSecretKey: cfg.WEBHOOK_SECRET_KEY ?? secrets.webhookSecretKey,
      // Development receivers run on this machine; production ones must be public https.
      allowLocalWebhooks: cfg.NODE_ENV !== 'production',
      admin: { username: cfg.ADMIN_USERNAME, password: adminPassword },
      nodeEnv: cfg.NODE_ENV,
      logLevel: cfg.LOG_LEVEL,
      logDir,
      runtime: 'bundle',
      extraEnv: {
        gateway: gatewayEnv(cfg),
        ...(cfg.JWT_PREVIOUS_PUBLIC_JWKS ? { auth: { JWT_PREVIOUS_PUBLIC_JWKS: cfg.JWT_PREVIOUS_PUBLIC_JWKS } } : {}),
      },
      onSpawn: (proc) => {
        spawned.push(proc);
        if (proc.child.pid) guard.service(proc.child.pid);
      },
    });
  } catch (err) {
    if (stopping) return;
    process.stderr.write(`${startupFailed(err)}logs in ${logDir}\n`);
    await shutdown(1);
    return;
  }
  for (const proc of Object.values(stack.services)) {
    void proc.exited.then((code) => {
      if (stopping) return;
      const cause = proc.cause().map((l) => `  ${l}\n`).join('');
      process.stderr.write(`${proc.name} exited unexpectedly (code ${code}):\n${cause}see ${path.join(logDir, proc.name + '.log')}\n`);
      void shutdown(1);
    });
  }

  const gw = stack.urls.gateway;
  process.stdout.write(
    [
      '',
      `Questline is up in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      `  web app         ${gw}/`,
      `  API (gateway)   ${gw}/api/v1`,
      `  API docs        ${gw}/docs`,
      `  OpenAPI         ${gw}/api/v1/openapi.json`,
      `  auth            ${stack.urls.auth}`,
      `  catalog         ${stack.urls.catalog}`,
      `  progress        ${stack.urls.progress}`,
      `  admin login     ${cfg.ADMIN_USERNAME} / ${cfg.ADMIN_PASSWORD ? '(ADMIN_PASSWORD)' : adminPassword}`,
      `  data            ${dataDir}${external ? ' (databases: external)' : ''}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

void main();
