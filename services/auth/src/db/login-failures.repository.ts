import { sql } from 'kysely';
import type { Executor } from '@questline/platform';
import type { CounterState, ThrottleKey } from '../domain/login-throttle.js';

/** A counter as this attempt found it, and the instant the attempt stamped on it. */
export interface CountedAttempt extends CounterState {
  last_attempt_at: Date;
}
import type { AuthDatabase } from './schema.js';

type Db = Executor<AuthDatabase>;

const windowEnd = (column: string, windowSeconds: number) =>
  sql`${sql.ref(column)} + make_interval(secs => ${windowSeconds})`;

/**
 * Counts one attempt on each counter, before its password is checked, and returns each counter as
 * it was before this attempt (the state the attempt is judged on): missing counters start at
 * zero, ended windows restart. One statement, so the row locks last only as long as it does; its
 * rows are inserted (and so locked) in the order of `keys`, which every statement here keeps
 * (throttleKeys), so two attempts sharing counters cannot deadlock. Parallel attempts are counted
 * one after the other, each seeing the ones before it. The time is the clock's, not now() (the
 * statement's start): a statement that waited for a row lock must not stamp a time earlier than
 * the attempt it waited for.
 */
export async function countAttempt(db: Db, keys: ThrottleKey[], windowSeconds: number): Promise<CountedAttempt[]> {
  const expired = sql<boolean>`${windowEnd('login_failures.window_start', windowSeconds)} <= now()`;
  return db
    .insertInto('login_failures')
    .values(keys.map((k) => ({ scope: k.scope, key: k.key, failures: 1, window_start: sql<Date>`now()`, last_attempt_at: sql<Date>`clock_timestamp()` })))
    .onConflict((oc) =>
      oc.columns(['scope', 'key']).doUpdateSet({
        window_start: sql<Date>`CASE WHEN ${expired} THEN now() ELSE login_failures.window_start END`,
        failures: sql<number>`CASE WHEN ${expired} THEN 1 ELSE login_failures.failures + 1 END`,
        prev_attempt_at: sql<Date>`login_failures.last_attempt_at`,
        last_attempt_at: sql<Date>`clock_timestamp()`,
      }),
    )
    .returning([
      'scope',
      'key',
      sql<number>`failures - 1`.as('failures'),
      sql<number>`greatest(1, ceil(extract(epoch from (${windowEnd('window_start', windowSeconds)} - now()))))::int`.as('retry_after'),
      sql<number>`CASE WHEN failures = 1 OR prev_attempt_at IS NULL THEN 1e9 ELSE greatest(0, extract(epoch from (last_attempt_at - prev_attempt_at))) END::float8`.as(
        'since_last_attempt',
      ),
      'last_attempt_at',
    ])
    .execute();
}

/**
 * Takes back attempts that were refused (they test no password): one failure less, and the last
 * attempt's instant put back unless a later attempt has stamped its own since.
 */
export async function uncountAttempt(db: Db, counted: CountedAttempt[]): Promise<void> {
  await sql`
    UPDATE login_failures AS f SET
      failures = greatest(f.failures - 1, 0),
      last_attempt_at = CASE WHEN f.last_attempt_at = u.stamp THEN coalesce(f.prev_attempt_at, f.last_attempt_at) ELSE f.last_attempt_at END
    FROM unnest(
      ${counted.map((c) => c.scope)}::text[], ${counted.map((c) => c.key)}::text[], ${counted.map((c) => c.last_attempt_at)}::timestamptz[]
    ) AS u(scope, key, stamp)
    WHERE f.scope = u.scope AND f.key = u.key
  `.execute(db);
}

/**
 * After a correct password: the (username, address) counter restarts at zero, and the attempt is
 * taken back from the username's and the address's (it was no failure). Their earlier failures
 * stay: an attacker must not be able to wipe them by logging in to an account of their own. One
 * statement locking the rows in the same order as countAttempt.
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
