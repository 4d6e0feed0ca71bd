/**
 * `npm start` as a user runs it: embedded PostgreSQL, three databases, four services, URLs printed;
 * Ctrl-C stops everything cleanly; data survives a restart.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '@questline/devstack';
import { apiClient, startCommandPorts } from '@questline/testkit';

const dataDir = await mkdtemp(path.join(tmpdir(), 'questline-start-'));
const running: ChildProcess[] = [];
after(async () => {
  // A failed assertion must not leave a whole system running behind the test.
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
  await rm(dataDir, { recursive: true, force: true });
});

const ports = startCommandPorts;

/** Runs `npm start`'s script and resolves once it prints that Questline is up. */
function start(env: Record<string, string>): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/start.ts')], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', QUESTLINE_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, like a terminal's foreground job: Ctrl-C signals the whole group.
    detached: true,
  });
  running.push(child);
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('Press Ctrl-C to stop.')) resolve({ child, output: () => out, exited });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((code) => reject(new Error(`npm start exited (${code}) before it was up:\n${out}`)));
  });
}

test('npm start brings the system up, stops cleanly on Ctrl-C, and keeps data across restarts', async () => {
  const env = await ports();
  const first = await start(env);
  const printed = first.output();
  assert.match(printed, /Questline is up in \d+\.\d s/);
  assert.match(printed, new RegExp(`http://127\\.0\\.0\\.1:${env.GATEWAY_PORT}/api/v1`));
  const password = /admin login\s+admin \/ (\S+)/.exec(printed)?.[1];
  assert.ok(password, 'the generated admin password is printed');

  const api = apiClient(`http://127.0.0.1:${env.GATEWAY_PORT}`);
  const signup = await api('POST', '/api/v1/auth/signup', { body: { username: 'persistent', password: 'a-good-password' } });
  assert.equal(signup.status, 201);
  const admin = await api('POST', '/api/v1/auth/login', { body: { username: 'admin', password } });
  assert.equal(admin.status, 200);
  assert.equal(admin.body.user.role, 'admin');

  // Ctrl-C reaches every process of the group at once: the script, the services and PostgreSQL.
  process.kill(-first.child.pid!, 'SIGINT');
  assert.equal(await first.exited, 0);
  assert.match(first.output(), /stopped\./);
  assert.equal(existsSync(path.join(dataDir, 'pg', 'postmaster.pid')), false, 'PostgreSQL has stopped');

  const second = await start(env);
  const login = await api('POST', '/api/v1/auth/login', { body: { username: 'persistent', password: 'a-good-password' } });
  assert.equal(login.status, 200, 'the account made before the restart is still there');
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0);
});

/** Runs the start script expecting it to refuse its configuration; resolves with code and output. */
async function refused(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/start.ts')], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', QUESTLINE_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, output };
}

test('npm start refuses a partial set of database URLs, naming the missing keys', async () => {
  const { code, output } = await refused({ ...(await ports()), AUTH_DATABASE_URL: 'postgres://u:p@127.0.0.1:1/auth' });
  assert.equal(code, 78);
  assert.match(output, /CATALOG_DATABASE_URL, PROGRESS_DATABASE_URL must be set too/);
  assert.doesNotMatch(output, /starting embedded PostgreSQL/);
});

test('npm start in production mode refuses to run without an admin password and secrets', async () => {
  const { code, output } = await refused({ ...(await ports()), NODE_ENV: 'production' });
  assert.equal(code, 78);
  assert.match(output, /ADMIN_PASSWORD, INTERNAL_TOKEN, JWT_PRIVATE_JWK, API_KEY_HASH_SECRET and WEBHOOK_SECRET_KEY are required in production/);
});
