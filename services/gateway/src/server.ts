import { loadConfigOrExit, startService } from '@questline/platform';
import { ConfigSchema } from './config.js';
import { buildApp } from './app.js';

const config = loadConfigOrExit(ConfigSchema);
await startService('gateway', config, () => buildApp(config));
