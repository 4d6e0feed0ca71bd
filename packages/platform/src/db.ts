import pg from 'pg';
import { Kysely, PostgresDialect, sql, type RawBuilder, type Transaction } from 'kysely';

// BIGINT and NUMERIC come back as strings by default; our counters fit in JS numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
// DATE stays a 'YYYY-MM-DD' string: a calendar day must not be shifted by a timezone.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export interface Database<DB> {
  db: Kysely<DB>;
  pool: pg.Pool;
  close(): Promise<void>;
}

export function createDatabase<DB>(url: string, opts: { max?: number } = {}): Database<DB> {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, idleTimeoutMillis: 30_000 });
  // A broken idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  // The pool listens for errors only while a client is idle. A connection the server ends while it
  // is checked out (a PostgreSQL restart mid-transaction) emits 'error' on the client, which would
  // crash the process unheard; the query in flight still fails, and the pool discards the client
  // on release because it is no longer queryable.
  pool.on('connect', (client) => void client.on('error', () => undefined));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, pool, close: () => db.destroy() };
}

/** Repositories accept either the root handle or a transaction; the use case owns the boundary. */
export type Executor<DB> = Kysely<DB> | Transaction<DB>;

/** True when a pg error is a unique violation (optionally on a named constraint). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/** Element types of the array parameters given to unnest (a closed list: the name is spliced into SQL). */
export type UnnestType = 'uuid' | 'text' | 'int' | 'bigint' | 'float8' | 'boolean' | 'date' | 'timestamptz';

/**
 * Many rows in one statement whatever their number: `INSERT … SELECT … FROM unnest(col(…), col(…))`
 * takes one array parameter per column, where a VALUES list takes one parameter per cell (and a
 * statement at most 65,535). `col(type, pick)` is the column `pick` of every row as `$n::type[]`.
 */
export function unnestColumns<R>(rows: readonly R[]): <T>(type: UnnestType, pick: (row: R) => T) => RawBuilder<T[]> {
  return (type, pick) => sql<never>`${rows.map(pick)}::${sql.raw(type)}[]`;
}

/**
 * Several data-modifying statements as one (`WITH s0 AS (…), s1 AS (…) last`): one round trip
 * instead of one each, which on the hot path costs more than the statements' own work. Only for
 * statements that touch different tables — PostgreSQL runs a WITH's statements on one snapshot and in
 * no set order, so none may need another's effect. Null entries are left out; null when none is left.
 */
export function oneStatement(statements: ReadonlyArray<RawBuilder<unknown> | null>): RawBuilder<unknown> | null {
  const present = statements.filter((s): s is RawBuilder<unknown> => s !== null);
  if (present.length <= 1) return present[0] ?? null;
  const head = present.slice(0, -1).map((s, i) => sql`${sql.raw(`s${i}`)} AS (${s})`);
  return sql`WITH ${sql.join(head)} ${present.at(-1)!}`;
}
