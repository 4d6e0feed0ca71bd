import path from 'node:path';
import { migrateDatabase, packageRoot, type MigrationResult } from '@questline/platform';

export const MIGRATIONS_DIR = path.join(packageRoot(import.meta.url), 'migrations');

/** Applies the progress migrations; used by server.ts, the migrate CLI and tests. */
export function runMigrations(config: { DATABASE_URL: string }): Promise<MigrationResult> {
  return migrateDatabase(config.DATABASE_URL, MIGRATIONS_DIR);
}
