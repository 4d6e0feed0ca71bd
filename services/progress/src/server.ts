import { loadConfigOrExit, serve } from '@questline/platform';
import { ConfigSchema } from './config.js';
import { runMigrations } from './db/migrations.js';
import { buildApp } from './app.js';

const config = loadConfigOrExit(ConfigSchema);
if (config.MIGRATE_ON_START) await runMigrations(config);
const { app } = await buildApp(config);
await serve(app, { port: config.PORT, host: config.HOST });
