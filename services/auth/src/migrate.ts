import { Type } from '@sinclair/typebox';
import { BaseConfig, loadConfigOrExit, runAndExit } from '@questline/platform';
import { runMigrations } from './db/migrations.js';

// Migrating needs only the database, not the service's secrets (so a Kubernetes Job stays small).
const config = loadConfigOrExit(Type.Object({ DATABASE_URL: BaseConfig.DATABASE_URL }));

await runAndExit(async () => {
  const { applied } = await runMigrations(config);
  return applied.length ? `auth: applied ${applied.join(', ')}` : 'auth: schema up to date';
});
