import type { Kysely } from 'kysely';
import type { TokenVerifier } from '@questline/platform';
import type { Config } from './config.js';
import type { ProgressDatabase } from './db/schema.js';
import type { CatalogCache } from './clients/catalog-cache.js';
import type { UserDirectory } from './clients/user-directory.js';
import type { GrantRelay } from './workers/grant-relay.js';
import type { ProgressCounters } from './progress-metrics.js';

/** What the routes of this service are built from; assembled once in buildApp. */
export interface ProgressContext {
  config: Config;
  db: Kysely<ProgressDatabase>;
  catalog: CatalogCache;
  users: UserDirectory;
  relay: GrantRelay;
  verify: TokenVerifier;
  counters: ProgressCounters;
}
