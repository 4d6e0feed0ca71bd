import { runMigrateCli } from '@questline/platform';
import { MIGRATIONS_DIR } from './db/migrations.js';

await runMigrateCli('progress', MIGRATIONS_DIR);
