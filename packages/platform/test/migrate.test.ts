import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@questline/testkit';
import { migrate } from '../src/migrate.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups) await c();
});

async function setup(files: Record<string, string>): Promise<{ db: TestDatabase; dir: string; pool: pg.Pool }> {
  const db = await createTestDatabase('platform_migrate');
  const dir = await mkdtemp(path.join(tmpdir(), 'mig-'));
  for (const [name, sql] of Object.entries(files)) await writeFile(path.join(dir, name), sql);
  const pool = new pg.Pool({ connectionString: db.url });
  cleanups.push(async () => {
    await pool.end();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });
  return { db, dir, pool };
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

test('a failing migration rolls back, is not recorded, and reports its file', async () => {
  const { dir, pool } = await setup({
    '001_ok.sql': 'CREATE TABLE ok (v int);',
    '002_bad.sql': 'CREATE TABLE half (v int); SELECT no_such_function();',
  });
  await assert.rejects(migrate(pool, dir), /002_bad\.sql/);
  const { rows } = await pool.query("SELECT to_regclass('half') AS half, to_regclass('ok') AS ok");
  assert.equal(rows[0].half, null);
  assert.equal(rows[0].ok, 'ok');
  const recorded = await pool.query('SELECT version FROM schema_migrations');
  assert.deepEqual(recorded.rows.map((r) => r.version), ['001_ok.sql']);
});

test('concurrent runs (several replicas starting) apply each file once', async () => {
  const { dir, pool } = await setup({ '001_a.sql': 'CREATE TABLE once (v int);' });
  const results = await Promise.all([migrate(pool, dir), migrate(pool, dir), migrate(pool, dir)]);
  assert.equal(results.flatMap((r) => r.applied).length, 1);
});
