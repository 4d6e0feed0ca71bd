import { loadConfigOrExit, serve } from '@questline/platform';
import { ConfigSchema } from './config.js';
import { buildApp } from './app.js';

const config = loadConfigOrExit(ConfigSchema);
const app = await buildApp(config);
await serve(app, { port: config.PORT, host: config.HOST });
