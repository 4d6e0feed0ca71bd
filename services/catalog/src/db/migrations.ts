import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrateDatabase, type MigrationResult } from '@questline/platform';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

/** Applies the catalog migrations; used by server.ts, the migrate CLI and tests. */
export function runMigrations(config: { DATABASE_URL: string }): Promise<MigrationResult> {
  return migrateDatabase(config.DATABASE_URL, MIGRATIONS_DIR);
}
