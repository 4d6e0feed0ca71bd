import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrate, type MigrationResult } from '@questline/platform';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

/** Applies auth's migrations; used by server.ts, the migrate CLI and the tests. */
export async function runMigrations(config: { DATABASE_URL: string }): Promise<MigrationResult> {
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 1 });
  try {
    return await migrate(pool, MIGRATIONS_DIR);
  } finally {
    await pool.end();
  }
}
