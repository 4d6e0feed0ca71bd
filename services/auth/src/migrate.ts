import { runMigrateCli } from '@questline/platform';
import { MIGRATIONS_DIR } from './db/migrations.js';

await runMigrateCli('auth', MIGRATIONS_DIR);
