import { sql } from 'kysely';
import type { Executor } from '@questline/platform';
import type { ProgressDatabase } from './schema.js';

export interface StoredCatalog {
  revision: string;
  /** The feed's body as it was fetched; unchecked here (the cache validates it like a fetched one). */
  body: unknown;
}

export async function loadCatalogSnapshot(ex: Executor<ProgressDatabase>): Promise<StoredCatalog | null> {
  const row = await ex.selectFrom('catalog_snapshot').select(['revision', 'body']).executeTakeFirst();
  return row ?? null;
}

/**
 * Replaces the one row. Replicas that load the same change each write it; the last write wins, and
 * a row a little behind only means a restarted replica starts one poll behind.
 */
export async function saveCatalogSnapshot(ex: Executor<ProgressDatabase>, snapshot: StoredCatalog): Promise<void> {
  const body = JSON.stringify(snapshot.body);
  await ex
    .insertInto('catalog_snapshot')
    .values({ id: true, revision: snapshot.revision, body })
    .onConflict((oc) => oc.column('id').doUpdateSet({ revision: snapshot.revision, body, saved_at: sql<Date>`now()` }))
    .execute();
}
