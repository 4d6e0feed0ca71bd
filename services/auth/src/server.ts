import { ConfigError, loadConfigOrExit, serve } from '@questline/platform';
import { ConfigSchema } from './config.js';
import { runMigrations } from './db/migrations.js';
import { buildApp } from './app.js';

const config = loadConfigOrExit(ConfigSchema);
if (config.MIGRATE_ON_START) await runMigrations(config);
const app = await buildApp(config).catch((err: unknown) => {
  // A setting that only the database can judge (ADMIN_USERNAME naming a player) fails like any
  // other bad setting: the key and the reason on stderr, exit code 78 (EX_CONFIG).
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(78);
});
await serve(app, { port: config.PORT, host: config.HOST });
