import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

const FILE_PATTERN = /^(\d{3,})_[a-z0-9_-]+\.sql$/;
// Any constant works: it only has to be the same for every replica of every service.
const MIGRATION_LOCK = 727_274_001;

export interface MigrationResult {
  applied: string[];
}

/**
 * Applies numbered, forward-only SQL files in order, each in its own transaction, recording
 * them in schema_migrations. An advisory lock lets several replicas start at once safely.
 */
export async function migrate(pool: pg.Pool, dir: string): Promise<MigrationResult> {
  const files = (await readdir(dir)).filter((f) => FILE_PATTERN.test(f)).sort();
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await readFile(path.join(dir, file), 'utf8');
      try {
        await client.query('BEGIN');
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file]);
        await client.query('COMMIT');
        applied.push(file);
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(err as Error).message}`, { cause: err });
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
  return { applied };
}

/** Applies the migrations in `dir` to the database at `url` over a one-connection pool. */
export async function migrateDatabase(url: string, dir: string): Promise<MigrationResult> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('error', () => undefined);
  try {
    return await migrate(pool, dir);
  } finally {
    await pool.end();
  }
}
