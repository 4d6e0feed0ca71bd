import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { CatalogDatabase } from './schema.js';

// Admin writes are rare; running them one at a time makes the read-then-write checks
// (prerequisite cycles, "is this draft still unreferenced", revision bumps) race-free.
const CATALOG_WRITE_LOCK = 727_274_082;

export async function inWriteTransaction<T>(db: Kysely<CatalogDatabase>, work: (trx: Transaction<CatalogDatabase>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${CATALOG_WRITE_LOCK})`.execute(trx);
    return work(trx);
  });
}
