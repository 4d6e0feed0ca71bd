import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BaseConfig, createDatabase, loadConfigOrExit, migrate, runAndExit, type MigrationResult } from '@questline/platform';
import { Type } from '@sinclair/typebox';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../migrations');

/** Applies the catalog's migrations (server start-up, the CLI below and tests). */
export async function runMigrations(config: { DATABASE_URL: string }): Promise<MigrationResult> {
  const database = createDatabase(config.DATABASE_URL, { max: 1 });
  try {
    return await migrate(database.pool, MIGRATIONS_DIR);
  } finally {
    await database.close();
  }
}

// Only when run as the CLI (`npm run migrate`), not when imported by server.ts or tests.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // Migrating needs the database only, so a migration Job need not carry the other keys.
  const config = loadConfigOrExit(Type.Object({ DATABASE_URL: BaseConfig.DATABASE_URL }));
  void runAndExit(async () => {
    const { applied } = await runMigrations(config);
    return applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date';
  });
}
