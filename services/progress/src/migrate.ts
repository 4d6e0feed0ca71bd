import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Type } from '@sinclair/typebox';
import { loadConfigOrExit, migrate, runAndExit, type MigrationResult } from '@questline/platform';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../migrations');

/** Applies this service's migrations to the database at `databaseUrl`; used by server.ts, the CLI and tests. */
export async function runMigrations(config: { DATABASE_URL: string }): Promise<MigrationResult> {
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 1 });
  try {
    return await migrate(pool, MIGRATIONS_DIR);
  } finally {
    await pool.end();
  }
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  // The migrate CLI needs only the database, not the whole service config.
  const config = loadConfigOrExit(Type.Object({ DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://' }) }));
  void runAndExit(async () => {
    const { applied } = await runMigrations(config);
    return applied.length ? `progress: applied ${applied.join(', ')}` : 'progress: database up to date';
  });
}
