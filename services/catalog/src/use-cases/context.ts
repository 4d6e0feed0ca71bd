import type { Kysely } from 'kysely';
import type { CatalogDatabase } from '../db/schema.js';

/** What the admin use cases need: the database and a hook for the domain change counter. */
export interface CatalogContext {
  db: Kysely<CatalogDatabase>;
  /** Called after commit, once per change that took effect (no-ops are not counted). */
  recordChange(action: string): void;
}

export interface Actor {
  id: string;
}
