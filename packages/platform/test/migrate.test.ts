import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { createTestDatabase, type TestDatabase } from '@questline/testkit';
import { migrate, migrateDatabase } from '../src/migrate.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups) await c();
});

async function setup(files: Record<string, string>): Promise<{ db: TestDatabase; dir: string; pool: pg.Pool }> {
  const db = await createTestDatabase('platform_migrate');
  const dir = await mkdtemp(path.join(tmpdir(), 'mig-'));
  await addFiles(dir, files);
  const pool = new pg.Pool({ connectionString: db.url });
  cleanups.push(async () => {
    await pool.end();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });
  return { db, dir, pool };
}

async function addFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, sql] of Object.entries(files)) await writeFile(path.join(dir, name), sql);
}

async function recorded(pool: pg.Pool): Promise<string[]> {
  return (await pool.query<{ name: string }>('SELECT name FROM kysely_migration ORDER BY name')).rows.map((r) => r.name);
}

test('applies numbered files in order, once', async () => {
  const { dir, pool } = await setup({
    '002_b.sql': 'INSERT INTO t VALUES (2);',
    '001_a.sql': 'CREATE TABLE t (v int);',
    'README.md': 'not a migration',
  });
  assert.deepEqual((await migrate(pool, dir)).applied, ['001_a.sql', '002_b.sql']);
  assert.deepEqual((await migrate(pool, dir)).applied, []);
  const { rows } = await pool.query('SELECT v FROM t');
  assert.deepEqual(rows, [{ v: 2 }]);
});

test('a Kysely handle works as well as a pool', async () => {
  const { dir, pool } = await setup({ '001_a.sql': 'CREATE TABLE k (v int);' });
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  assert.deepEqual((await migrate(db, dir)).applied, ['001_a.sql']);
  assert.deepEqual(await recorded(pool), ['001_a.sql']);
});

test('a failing migration rolls back, is not recorded, and reports its file; the files before it stay', async () => {
  const { dir, pool } = await setup({
    '001_ok.sql': 'CREATE TABLE ok (v int);',
    '002_bad.sql': 'CREATE TABLE half (v int); SELECT no_such_function();',
  });
  await assert.rejects(migrate(pool, dir), /migration 002_bad\.sql failed: .*no_such_function/);
  const { rows } = await pool.query("SELECT to_regclass('half') AS half, to_regclass('ok') AS ok");
  assert.equal(rows[0].half, null);
  assert.equal(rows[0].ok, 'ok');
  assert.deepEqual(await recorded(pool), ['001_ok.sql']);
});

test('a new file numbered before one already applied is refused, and nothing runs', async () => {
  const { dir, pool } = await setup({ '001_a.sql': 'CREATE TABLE a (v int);', '003_c.sql': 'CREATE TABLE c (v int);' });
  // 001 and 003 with a gap are refused up front; applying 001 alone, then adding 002 and 003 works.
  await assert.rejects(migrate(pool, dir), /003_c\.sql.*expected number 002/);
  await rm(path.join(dir, '003_c.sql'));
  await migrate(pool, dir);
  // Now 001 is applied; a later run sees 001 recorded as applied while a file sorts before it.
  await rm(path.join(dir, '001_a.sql'));
  await addFiles(dir, { '001_0.sql': 'CREATE TABLE early (v int);', '002_a.sql': 'CREATE TABLE a2 (v int);' });
  await pool.query("UPDATE kysely_migration SET name = '002_a.sql'");
  await assert.rejects(migrate(pool, dir), /refused: corrupted migrations: expected previously executed migration 002_a\.sql/);
  const { rows } = await pool.query("SELECT to_regclass('early') AS early");
  assert.equal(rows[0].early, null);
  assert.deepEqual(await recorded(pool), ['002_a.sql']);
});

test('a file recorded as applied but missing from disk is refused', async () => {
  const { dir, pool } = await setup({ '001_a.sql': 'CREATE TABLE a (v int);', '002_b.sql': 'CREATE TABLE b (v int);' });
  await migrate(pool, dir);
  await rm(path.join(dir, '002_b.sql'));
  await assert.rejects(migrate(pool, dir), /refused: .*002_b\.sql is missing/);
});

test('badly named or doubly numbered .sql files are refused', async () => {
  const { dir, pool } = await setup({ '001_a.sql': 'SELECT 1;', '001_b.sql': 'SELECT 1;' });
  await assert.rejects(migrate(pool, dir), /001_b\.sql.*expected number 002/);
  await rm(path.join(dir, '001_b.sql'));
  await addFiles(dir, { '2-Other.sql': 'SELECT 1;' });
  await assert.rejects(migrate(pool, dir), /2-Other\.sql.*NNN_name\.sql/);
  assert.deepEqual(await recorded(pool), []);
});

test('concurrent migrators (several replicas starting, each with its own pool) apply each file once, under an advisory lock', async () => {
  const { db, dir } = await setup({
    // Fails unless the session running it holds an advisory lock (Kysely's migration lock).
    '001_locked.sql': `DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted)
      THEN RAISE EXCEPTION 'migrating without the advisory lock'; END IF; END $$;`,
    '002_a.sql': 'CREATE TABLE once_a (v int);',
    '003_b.sql': 'CREATE TABLE once_b (v int);',
  });
  const results = await Promise.all([1, 2, 3, 4].map(() => migrateDatabase(db.url, dir)));
  assert.deepEqual(results.flatMap((r) => r.applied).sort(), ['001_locked.sql', '002_a.sql', '003_b.sql']);
});

test('an existing install: schema_migrations is adopted on the first run and nothing re-runs', async () => {
  const { dir, pool } = await setup({
    '001_a.sql': 'CREATE TABLE legacy_a (v int);',
    '002_b.sql': 'CREATE TABLE legacy_b (v int);',
    '003_c.sql': 'CREATE TABLE legacy_c (v int);',
  });
  // What the hand-written runner left behind: 001 and 002 applied and recorded.
  await pool.query(`CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE legacy_a (v int); CREATE TABLE legacy_b (v int);
    INSERT INTO schema_migrations (version, applied_at) VALUES ('001_a.sql', now() - interval '2 days'), ('002_b.sql', now() + interval '1 day');`);
  assert.deepEqual((await migrate(pool, dir)).applied, ['003_c.sql']);
  assert.deepEqual(await recorded(pool), ['001_a.sql', '002_b.sql', '003_c.sql']);
  // A second run (and the adopted timestamp from a clock ahead of ours) does not disturb the order.
  assert.deepEqual((await migrate(pool, dir)).applied, []);
  await addFiles(dir, { '004_d.sql': 'CREATE TABLE legacy_d (v int);' });
  assert.deepEqual((await migrate(pool, dir)).applied, ['004_d.sql']);
});
