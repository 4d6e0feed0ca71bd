import { sql } from 'kysely';
import type { Executor } from '@questline/platform';
import type { AuthDatabase, ThrottleScope } from './schema.js';

type Db = Executor<AuthDatabase>;

export interface ThrottleKey {
  scope: ThrottleScope;
  key: string;
}

export interface CounterState {
  scope: ThrottleScope;
  key: string;
  failures: number;
  /** Whole seconds until the counter's window ends (at least 1). */
  retry_after: number;
}

const windowEnd = (column: string, windowSeconds: number) =>
  sql`${sql.ref(column)} + make_interval(secs => ${windowSeconds})`;

/**
 * Adds one to each counter in a single statement, starting a fresh window where the old one has
 * ended, and returns the counts after. Atomic per row, so concurrent attempts on other replicas
 * are all counted. Keys are always given username first, so row locks are taken in one order.
 */
export async function incrementCounters(db: Db, keys: ThrottleKey[], windowSeconds: number): Promise<CounterState[]> {
  const expired = sql<boolean>`${windowEnd('login_failures.window_start', windowSeconds)} <= now()`;
  return db
    .insertInto('login_failures')
    .values(keys.map((k) => ({ scope: k.scope, key: k.key, failures: 1, window_start: sql<Date>`now()` })))
    .onConflict((oc) =>
      oc.columns(['scope', 'key']).doUpdateSet({
        window_start: sql<Date>`CASE WHEN ${expired} THEN now() ELSE login_failures.window_start END`,
        failures: sql<number>`CASE WHEN ${expired} THEN 1 ELSE login_failures.failures + 1 END`,
      }),
    )
    .returning([
      'scope',
      'key',
      'failures',
      sql<number>`greatest(1, ceil(extract(epoch from (${windowEnd('window_start', windowSeconds)} - now()))))::int`.as('retry_after'),
    ])
    .execute();
}

/** Takes back one count from each counter (never below zero). */
export async function decrementCounters(db: Db, keys: ThrottleKey[]): Promise<void> {
  for (const k of keys) {
    await db
      .updateTable('login_failures')
      .set({ failures: sql<number>`greatest(failures - 1, 0)` })
      .where('scope', '=', k.scope)
      .where('key', '=', k.key)
      .execute();
  }
}

/** After a correct password: the username's failures are forgotten, the IP's attempt is taken back. */
export async function clearUsernameAndDecrementIp(db: Db, username: string, ip: string): Promise<void> {
  await sql`
    WITH cleared AS (DELETE FROM login_failures WHERE scope = 'username' AND key = ${username})
    UPDATE login_failures SET failures = greatest(failures - 1, 0) WHERE scope = 'ip' AND key = ${ip}
  `.execute(db);
}

/** Removes counters whose window has ended; they would restart from zero anyway. */
export async function deleteExpiredCounters(db: Db, windowSeconds: number): Promise<number> {
  const result = await db
    .deleteFrom('login_failures')
    .where(sql<boolean>`${windowEnd('window_start', windowSeconds)} <= now()`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
