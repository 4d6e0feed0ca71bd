import { sql } from 'kysely';
import type { Executor } from '@questline/platform';
import type { CounterState, ThrottleKey } from '../domain/login-throttle.js';
import type { AuthDatabase } from './schema.js';

type Db = Executor<AuthDatabase>;

const windowEnd = (column: string, windowSeconds: number) =>
  sql`${sql.ref(column)} + make_interval(secs => ${windowSeconds})`;

const matchesAny = (keys: ThrottleKey[]) =>
  sql<boolean>`(scope, key) IN (${sql.join(keys.map((k) => sql`(${k.scope}, ${k.key})`))})`;

/**
 * Locks the counters for the rest of the caller's transaction and returns their state: missing
 * counters are created at zero, ended windows restart at zero. Rows are inserted (and so locked)
 * in the order of `keys`; every caller gives them in one order (throttleKeys), so two
 * attempts sharing counters cannot deadlock.
 */
export async function lockCounters(trx: Db, keys: ThrottleKey[], windowSeconds: number): Promise<CounterState[]> {
  const expired = sql<boolean>`${windowEnd('login_failures.window_start', windowSeconds)} <= now()`;
  return trx
    .insertInto('login_failures')
    .values(keys.map((k) => ({ scope: k.scope, key: k.key, failures: 0, window_start: sql<Date>`now()`, last_attempt_at: sql<Date>`now()` })))
    .onConflict((oc) =>
      oc.columns(['scope', 'key']).doUpdateSet({
        window_start: sql<Date>`CASE WHEN ${expired} THEN now() ELSE login_failures.window_start END`,
        failures: sql<number>`CASE WHEN ${expired} THEN 0 ELSE login_failures.failures END`,
      }),
    )
    .returning([
      'scope',
      'key',
      'failures',
      sql<number>`greatest(1, ceil(extract(epoch from (${windowEnd('window_start', windowSeconds)} - now()))))::int`.as('retry_after'),
      sql<number>`greatest(0, extract(epoch from (clock_timestamp() - last_attempt_at)))::float8`.as('since_last_attempt'),
    ])
    .execute();
}

/**
 * Counts one attempt on each counter (before its password is checked). The time is the clock's,
 * not now() (the transaction's start): a transaction that waited for the row lock must not stamp
 * a time earlier than the attempt it waited for.
 */
export async function countAttempt(trx: Db, keys: ThrottleKey[]): Promise<void> {
  await trx
    .updateTable('login_failures')
    .set({ failures: sql<number>`failures + 1`, last_attempt_at: sql<Date>`clock_timestamp()` })
    .where(matchesAny(keys))
    .execute();
}

/**
 * After a correct password: the (username, address) counter restarts at zero, and the attempt is
 * taken back from the username's and the address's (it was no failure). Their earlier failures
 * stay: an attacker must not be able to wipe them by logging in to an account of their own. One
 * statement, whose upsert locks the rows in the order of `keys` like every attempt's transaction,
 * so the two cannot deadlock; it leaves the delay's anchor (last_attempt_at) alone.
 */
export async function recordSuccess(db: Db, keys: ThrottleKey[]): Promise<void> {
  await db
    .insertInto('login_failures')
    .values(keys.map((k) => ({ scope: k.scope, key: k.key, failures: 0, window_start: sql<Date>`now()` })))
    .onConflict((oc) =>
      oc.columns(['scope', 'key']).doUpdateSet({
        failures: sql<number>`CASE WHEN login_failures.scope = 'username_ip' THEN 0 ELSE greatest(login_failures.failures - 1, 0) END`,
      }),
    )
    .execute();
}

/**
 * Removes counters whose window has ended; they would restart from zero anyway. Rows an attempt
 * holds are skipped (the next sweep gets them): waiting for them, in whatever order the scan
 * meets them, could deadlock with an attempt locking its rows in its own order.
 */
export async function deleteExpiredCounters(db: Db, windowSeconds: number): Promise<number> {
  const expired = sql<boolean>`${windowEnd('window_start', windowSeconds)} <= now()`;
  const result = await sql`
    DELETE FROM login_failures WHERE (scope, key) IN (
      SELECT scope, key FROM login_failures WHERE ${expired} FOR UPDATE SKIP LOCKED
    ) AND ${expired}
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
