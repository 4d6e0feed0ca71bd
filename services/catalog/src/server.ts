import { loadConfigOrExit, startService } from '@questline/platform';
import { ConfigSchema } from './config.js';
import { runMigrations } from './db/migrations.js';
import { buildApp } from './app.js';

const config = loadConfigOrExit(ConfigSchema);
await startService('catalog', config, async () => {
  if (config.MIGRATE_ON_START) await runMigrations(config);
  return buildApp(config);
});
