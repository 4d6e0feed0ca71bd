/** Start-up contracts of every service process: bad config exits non-zero naming the key; migrations run alone. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { repoRoot } from '@questline/devstack';
import { createTestDatabase, generateSigningJwk } from '@questline/testkit';

function runTs(file: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, file)], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => (stdout += d));
    child.on('exit', (code) => resolve({ code, stderr, stdout }));
  });
}

const common = { INTERNAL_TOKEN: 'x'.repeat(32), DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db', AUTH_URL: 'http://127.0.0.1:1', CATALOG_URL: 'http://127.0.0.1:1', PROGRESS_URL: 'http://127.0.0.1:1' };

for (const service of ['gateway', 'auth', 'catalog', 'progress']) {
  test(`${service}: a bad config value exits non-zero and names the key`, async () => {
    const res = await runTs(`services/${service}/src/server.ts`, { ...common, JWT_PRIVATE_JWK: '{}', PORT: 'not-a-port' });
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /PORT/);
  });
}

test('a missing required key is named', async () => {
  const { INTERNAL_TOKEN: _omit, ...rest } = common;
  const res = await runTs('services/catalog/src/server.ts', rest);
  assert.notEqual(res.code, 0);
  assert.match(res.stderr, /INTERNAL_TOKEN/);
});

test('auth: an ADMIN_USERNAME that names a player exits non-zero naming the key, and promotes nobody', async () => {
  const db = await createTestDatabase('admin_squat');
  try {
    const env = { ...common, DATABASE_URL: db.url, JWT_PRIVATE_JWK: await generateSigningJwk(), PORT: '0', LOG_LEVEL: 'silent' };
    assert.equal((await runTs('services/auth/src/migrate.ts', env)).code, 0);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query("INSERT INTO users (username, password_hash) VALUES ('squatter', 'not-a-real-hash')");
      const res = await runTs('services/auth/src/server.ts', { ...env, ADMIN_USERNAME: 'Squatter', ADMIN_PASSWORD: 'admin-password-1' });
      assert.equal(res.code, 78, res.stderr);
      assert.match(res.stderr, /ADMIN_USERNAME.*not an admin/);
      const { rows } = await client.query("SELECT role FROM users WHERE username = 'squatter'");
      assert.deepEqual(rows, [{ role: 'player' }]);
    } finally {
      await client.end();
    }
  } finally {
    await db.drop();
  }
});

for (const service of ['auth', 'catalog', 'progress']) {
  test(`${service}: migrations run alone and are idempotent`, async () => {
    const db = await createTestDatabase(`migrate_${service}`);
    try {
      const env = { ...common, DATABASE_URL: db.url, JWT_PRIVATE_JWK: '{}' };
      const first = await runTs(`services/${service}/src/migrate.ts`, env);
      assert.equal(first.code, 0, first.stderr);
      const second = await runTs(`services/${service}/src/migrate.ts`, env);
      assert.equal(second.code, 0, second.stderr);
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query('SELECT count(*)::int AS n FROM kysely_migration');
      await client.end();
      assert.ok(rows[0].n >= 1);
    } finally {
      await db.drop();
    }
  });
}

// A table in the way of the first migration: a database someone else has written to.
const FIRST_TABLE: Record<string, string> = { auth: 'users', catalog: 'currencies', progress: 'events' };

for (const service of ['auth', 'catalog', 'progress']) {
  test(`${service}: a failing migration exits non-zero, names its file, and records nothing`, async () => {
    const db = await createTestDatabase(`migrate_fail_${service}`);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(`CREATE TABLE ${FIRST_TABLE[service]} (squatter int)`);
      const env = { ...common, DATABASE_URL: db.url, JWT_PRIVATE_JWK: '{}' };
      const res = await runTs(`services/${service}/src/migrate.ts`, env);
      assert.notEqual(res.code, 0);
      assert.match(res.stderr + res.stdout, /001_\w+\.sql/);
      const { rows } = await client.query("SELECT count(*)::int AS n FROM kysely_migration WHERE name LIKE '001%'");
      assert.equal(rows[0].n, 0);
    } finally {
      await client.end();
      await db.drop();
    }
  });
}
