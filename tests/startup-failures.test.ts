/**
 * A service that cannot start says why in one line on stderr — the database it could not reach
 * (password redacted) and the reason, or the migration that failed — and exits non-zero, without
 * an unhandled rejection's stack trace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { freePort, repoRoot } from '@questline/devstack';
import { createTestDatabase, generateSigningJwk, testServerUrl } from '@questline/testkit';

function runTs(file: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, file)], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

const common = {
  INTERNAL_TOKEN: 'x'.repeat(32),
  AUTH_URL: 'http://127.0.0.1:1',
  CATALOG_URL: 'http://127.0.0.1:1',
  PROGRESS_URL: 'http://127.0.0.1:1',
  PORT: '0',
  LOG_LEVEL: 'silent',
};

/** The test server's URL for `database` as `user` with `password`. */
function serverUrl(database: string, credentials: { user?: string; password?: string } = {}) {
  const url = new URL(testServerUrl());
  url.pathname = `/${database}`;
  if (credentials.user !== undefined) url.username = credentials.user;
  if (credentials.password !== undefined) url.password = credentials.password;
  return url;
}

function assertOneLine(stderr: string, expected: string) {
  assert.equal(stderr, `${expected}\n`, 'exactly one line on stderr');
}

test('catalog: a closed port is one line naming the redacted URL and ECONNREFUSED', async () => {
  const port = await freePort();
  const res = await runTs('services/catalog/src/server.ts', {
    ...common,
    DATABASE_URL: `postgres://questline:s3cret-pw@127.0.0.1:${port}/questline_catalog`,
  });
  assert.equal(res.code, 1);
  assertOneLine(res.stderr, `catalog: cannot connect to postgres://questline@127.0.0.1:${port}/questline_catalog: ECONNREFUSED`);
});

test('progress: a wrong password is one line with PostgreSQL\'s reason, the password not in it', async () => {
  const url = serverUrl('postgres', { password: 'not-the-password' });
  const res = await runTs('services/progress/src/server.ts', { ...common, DATABASE_URL: url.toString() });
  assert.equal(res.code, 1);
  url.password = '';
  assertOneLine(res.stderr, `progress: cannot connect to ${url}: password authentication failed for user "${url.username}"`);
  assert.doesNotMatch(res.stderr, /not-the-password/);
});

test('auth: an unknown database is one line naming it', async () => {
  const url = serverUrl('questline_nowhere');
  const res = await runTs('services/auth/src/server.ts', { ...common, DATABASE_URL: url.toString(), JWT_PRIVATE_JWK: await generateSigningJwk() });
  assert.equal(res.code, 1);
  url.password = '';
  assertOneLine(res.stderr, `auth: cannot connect to ${url}: database "questline_nowhere" does not exist`);
});

test('auth: without migrations at start-up, the first query that cannot connect is reported the same way', async () => {
  const port = await freePort();
  const res = await runTs('services/auth/src/server.ts', {
    ...common,
    DATABASE_URL: `postgres://questline:pw@127.0.0.1:${port}/questline_auth`,
    JWT_PRIVATE_JWK: await generateSigningJwk(),
    MIGRATE_ON_START: 'false',
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: 'admin-password-1',
  });
  assert.equal(res.code, 1);
  assertOneLine(res.stderr, `auth: cannot connect to postgres://questline@127.0.0.1:${port}/questline_auth: ECONNREFUSED`);
});

test('catalog: a failing migration at start-up is one line naming the file', async () => {
  const db = await createTestDatabase('startup_migration_fail');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query('CREATE TABLE currencies (squatter int)');
    const res = await runTs('services/catalog/src/server.ts', { ...common, DATABASE_URL: db.url });
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^catalog: migration 001_\w+\.sql failed: relation "currencies" already exists\n$/);
  } finally {
    await client.end();
    await db.drop();
  }
});

test('the migrate command reports an unreachable database the same way', async () => {
  const port = await freePort();
  const res = await runTs('services/progress/src/migrate.ts', { DATABASE_URL: `postgresql://questline:pw@127.0.0.1:${port}/questline_progress` });
  assert.equal(res.code, 1);
  assertOneLine(res.stderr, `progress: cannot connect to postgresql://questline@127.0.0.1:${port}/questline_progress: ECONNREFUSED`);
});
