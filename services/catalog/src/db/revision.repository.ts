import type { Executor } from '@questline/platform';
import type { CatalogDatabase } from './schema.js';

type Db = Executor<CatalogDatabase>;

export async function currentRevision(db: Db): Promise<number> {
  const row = await db.selectFrom('catalog_revision').select('revision').executeTakeFirstOrThrow();
  return row.revision;
}

/** Call inside the transaction that changes the published set. */
export async function bumpRevision(db: Db): Promise<number> {
  const row = await db
    .updateTable('catalog_revision')
    .set((eb) => ({ revision: eb('revision', '+', 1) }))
    .returning('revision')
    .executeTakeFirstOrThrow();
  return row.revision;
}
