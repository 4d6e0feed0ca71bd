/**
 * What a new user hits with `npm start` and `npm test` when things are not as expected: npm
 * stopped by a process manager (a signal to npm's pid alone), a second instance, ports and the
 * database port taken, an unreachable database, the gateway's own settings, a mistyped test path.
 * `npm start` runs through npm itself here (its `start` script, without the web build of prestart).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, processAlive, repoRoot, spawnService, startEmbeddedPostgres, tryListen, waitReady, type ServiceProcess } from '@questline/devstack';
import { eventually, startCommandPorts } from '@questline/testkit';

const dirs: string[] = [];
const running: ChildProcess[] = [];
const servers: Server[] = [];
after(async () => {
  // A failed assertion must not leave a whole system running behind the test: each npm start has
  // its own process group.
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      await new Promise((r) => child.once('close', r));
    }
  }
  for (const server of servers) server.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'questline-faults-'));
  dirs.push(dir);
  return dir;
}

const ports = startCommandPorts;

type Env = Record<string, string>;
const SERVICE_PORTS = ['GATEWAY_PORT', 'AUTH_PORT', 'CATALOG_PORT', 'PROGRESS_PORT'] as const;

interface NpmStart {
  child: ChildProcess;
  output(): string;
  /** npm's exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** Resolves once it prints that Questline is up; rejects if it exits before. */
  up: Promise<void>;
}

/** `npm start` as a user types it (without prestart's web build), in its own process group. */
function npmStart(env: Env): NpmStart {
  const child = spawn('npm', ['start', '--ignore-scripts'], {
    cwd: repoRoot,
    // No update check: npm would ask the registry in the middle of a test.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), npm_config_update_notifier: 'false', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const up = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', () => out.includes('Press Ctrl-C to stop.') && resolve());
    void exited.then((code) => reject(new Error(`npm start exited (${code}) before it was up:\n${out}`)));
  });
  up.catch(() => undefined);
  return { child, output: () => out, exited, up };
}

/** The pid answering /readyz on a port (each service says its own). */
async function readyPid(port: string): Promise<number> {
  const body = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as { pid: number };
  return body.pid;
}

function pidFile(file: string): number | undefined {
  return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : undefined;
}

test('a signal to npm alone (SIGTERM, SIGHUP, SIGKILL) or the orchestrator killed stops the services and PostgreSQL', async () => {
  const dir = await dataDir();
  const env = { ...(await ports()), QUESTLINE_DATA_DIR: dir, CORS_ORIGINS: 'https://app.example' };
  // The orchestrator's own death first: the next start must take over the lock it left behind.
  for (const signal of ['orchestrator SIGKILL', 'SIGTERM', 'SIGHUP', 'SIGKILL'] as const) {
    const run = npmStart(env);
    await run.up;
    const orchestrator = pidFile(path.join(dir, 'questline.pid'));
    const postgres = pidFile(path.join(dir, 'pg', 'postmaster.pid'));
    assert.ok(orchestrator && postgres, 'the orchestrator and PostgreSQL are running');
    const services = await Promise.all(SERVICE_PORTS.map((k) => readyPid(env[k])));
    if (signal === 'SIGTERM') {
      // CORS_ORIGINS reaches the gateway: a preflight from the allowed origin is allowed.
      const preflight = await fetch(`http://127.0.0.1:${env.GATEWAY_PORT}/api/v1/auth/login`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example');
    }

    if (signal === 'orchestrator SIGKILL') process.kill(orchestrator, 'SIGKILL');
    else run.child.kill(signal);
    await run.exited;
    const left = () => [orchestrator, postgres, ...services].filter((pid) => processAlive(pid));
    await eventually(async () => left().length === 0, 60_000, `${signal}: every process to stop (left: ${left().join(', ')})`);
    assert.equal(existsSync(path.join(dir, 'pg', 'postmaster.pid')), false, `${signal}: PostgreSQL shut down cleanly`);
    if (signal !== 'orchestrator SIGKILL') assert.equal(existsSync(path.join(dir, 'questline.pid')), false, `${signal}: the data directory is unlocked`);
    for (const key of [...SERVICE_PORTS, 'PG_PORT'] as const) assert.ok(await tryListen(Number(env[key])), `${signal}: ${key} is free again`);
  }
});

test('a second npm start, service ports or the PostgreSQL port taken: says what is wrong and exits non-zero', async () => {
  const dir = await dataDir();
  const env = { ...(await ports()), QUESTLINE_DATA_DIR: dir };
  const first = npmStart(env);
  await first.up;
  const firstGateway = await readyPid(env.GATEWAY_PORT);
  const orchestrator = pidFile(path.join(dir, 'questline.pid'));

  const again = npmStart(env);
  assert.notEqual(await again.exited, 0);
  assert.match(again.output(), new RegExp(`data directory ${dir} is locked by a running Questline \\(pid ${orchestrator}\\)`));
  assert.doesNotMatch(again.output(), /TypeError|Questline is up/);

  // Another data directory and PostgreSQL port, but the first instance's service ports.
  const samePorts = npmStart({ ...env, QUESTLINE_DATA_DIR: await dataDir(), PG_PORT: String(await freePort()) });
  assert.notEqual(await samePorts.exited, 0);
  for (const name of ['gateway', 'auth', 'catalog', 'progress']) {
    assert.match(samePorts.output(), new RegExp(`${name}: port ${env[`${name.toUpperCase()}_PORT` as keyof typeof env]} is in use`));
  }
  assert.doesNotMatch(samePorts.output(), /Questline is up|admin login/);

  const pgPortTaken = npmStart({ ...(await ports()), QUESTLINE_DATA_DIR: await dataDir(), PG_PORT: env.PG_PORT });
  assert.notEqual(await pgPortTaken.exited, 0);
  assert.match(pgPortTaken.output(), new RegExp(`postgres: port ${env.PG_PORT} is in use`));
  assert.doesNotMatch(pgPortTaken.output(), /TypeError/);

  assert.equal(await readyPid(env.GATEWAY_PORT), firstGateway, 'the first instance is untouched');
  first.child.kill('SIGINT');
  assert.equal(await first.exited, 0);
});

test('npm start with an unreachable database names the service, the redacted URL and the cause', async () => {
  const closed = await freePort();
  const url = (db: string) => `postgres://quest:sekrit-pw@127.0.0.1:${closed}/${db}`;
  const run = npmStart({
    ...(await ports()),
    QUESTLINE_DATA_DIR: await dataDir(),
    AUTH_DATABASE_URL: url('questline_auth'),
    CATALOG_DATABASE_URL: url('questline_catalog'),
    PROGRESS_DATABASE_URL: url('questline_progress'),
  });
  assert.notEqual(await run.exited, 0);
  const out = run.output();
  assert.match(out, new RegExp(`catalog: cannot connect to postgres://quest@127\\.0\\.0\\.1:${closed}/questline_catalog: ECONNREFUSED`));
  assert.match(out, /auth: cannot connect to .*ECONNREFUSED/);
  assert.doesNotMatch(out, /sekrit-pw/);
  assert.doesNotMatch(out, /^\s+at /m, 'no stack trace');
  assert.doesNotMatch(out, /Questline is up/);
});

test("npm start validates the gateway's settings before starting anything", async () => {
  const run = npmStart({ ...(await ports()), QUESTLINE_DATA_DIR: await dataDir(), RATE_LIMIT_MAX: 'lots' });
  assert.equal(await run.exited, 78);
  assert.match(run.output(), /invalid configuration: RATE_LIMIT_MAX/);
});

test('npm test with a path that does not exist fails naming it, without running the others', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/test.ts'), '--no-typecheck', 'tests/web-units.test.ts', 'tests/no-such.test.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  assert.equal(code, 1);
  assert.match(out, /no such test file or directory: tests\/no-such\.test\.ts/);
  assert.doesNotMatch(out, /starting test PostgreSQL/);
});

/** Holds a port: with an HTTP server answering /readyz like a service, or with a bare TCP listener. */
async function holdPort(readyz?: object): Promise<number> {
  const port = await freePort();
  const server = readyz
    ? createHttpServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify(readyz)))
    : createServer((socket) => socket.destroy());
  servers.push(server as Server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return port;
}

async function gatewayOn(port: number): Promise<ServiceProcess> {
  const peer = `http://127.0.0.1:${await freePort()}`;
  const env = { NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'error', INTERNAL_TOKEN: 'x'.repeat(24), AUTH_URL: peer, CATALOG_URL: peer, PROGRESS_URL: peer };
  return spawnService('gateway', env, path.join(await dataDir(), 'logs'));
}

test('devstack tells a service it started from another process on its port, and says why a service died', async () => {
  // Another gateway already answers on the port: not mistaken for the one just started.
  const answered = await gatewayOn(await holdPort({ status: 'ready', service: 'gateway', pid: 1, checks: {} }));
  await assert.rejects(waitReady(answered), /gateway: port \d+ is in use \(another gateway \(pid 1\) answers there\)/);
  await answered.stop();

  // Something that is not HTTP holds the port: the service's own EADDRINUSE, said by port.
  const heldPort = await holdPort();
  const held = await gatewayOn(heldPort);
  await assert.rejects(waitReady(held), (err: Error) => {
    assert.equal(err.message, `gateway: port ${heldPort} is in use`);
    return true;
  });

  // A database that refuses connections: the cause the service wrote, without a stack, redacted.
  const closed = await freePort();
  const catalog = await spawnService(
    'catalog',
    {
      NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(await freePort()), LOG_LEVEL: 'error', INTERNAL_TOKEN: 'x'.repeat(24),
      DATABASE_URL: `postgres://quest:sekrit-pw@127.0.0.1:${closed}/questline_catalog`, AUTH_URL: `http://127.0.0.1:${closed}`,
    },
    path.join(await dataDir(), 'logs'),
  );
  await assert.rejects(waitReady(catalog), (err: Error) => {
    assert.match(err.message, /^catalog exited with code [1-9]\d* before it was ready:\ncatalog: .*ECONNREFUSED/);
    assert.doesNotMatch(err.message, /sekrit-pw|^\s+at /m);
    return true;
  });
});

test('the embedded PostgreSQL on a taken port or a data directory in use is refused by name, not a TypeError', async () => {
  const port = await holdPort();
  await assert.rejects(startEmbeddedPostgres({ dir: path.join(await dataDir(), 'pg'), port, password: 'x'.repeat(16) }), /^Error: port \d+ is in use \(PG_PORT\)$/);
  const dir = path.join(await dataDir(), 'pg');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'postmaster.pid'), `${process.pid}\n${dir}\n`);
  await assert.rejects(startEmbeddedPostgres({ dir, port: await freePort(), password: 'x'.repeat(16) }), new RegExp(`in use by a running PostgreSQL \\(pid ${process.pid}\\)`));
});
