import type { Executor } from '@questline/platform';
import type { CatalogDatabase } from './schema.js';

type Db = Executor<CatalogDatabase>;

export interface Currency {
  code: string;
  name: string;
  createdAt: string;
}

const toCurrency = (r: { code: string; name: string; created_at: Date }): Currency => ({
  code: r.code,
  name: r.name,
  createdAt: r.created_at.toISOString(),
});

/** Keyset pagination by code. */
export async function listCurrencies(db: Db, q: { afterCode?: string; limit: number }): Promise<Currency[]> {
  let query = db.selectFrom('currencies').selectAll().orderBy('code').limit(q.limit);
  if (q.afterCode !== undefined) query = query.where('code', '>', q.afterCode);
  return (await query.execute()).map(toCurrency);
}

export async function knownCurrencies(db: Db, codes: string[]): Promise<Set<string>> {
  if (!codes.length) return new Set();
  const rows = await db.selectFrom('currencies').select('code').where('code', 'in', codes).execute();
  return new Set(rows.map((r) => r.code));
}

/** Inserts unless the code exists; undefined means it was taken (race-safe via the primary key). */
export async function insertCurrency(db: Db, code: string, name: string): Promise<Currency | undefined> {
  const row = await db
    .insertInto('currencies')
    .values({ code, name })
    .onConflict((oc) => oc.column('code').doNothing())
    .returningAll()
    .executeTakeFirst();
  return row && toCurrency(row);
}
