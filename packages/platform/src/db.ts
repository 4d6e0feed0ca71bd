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
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    runMarkedAsPrepared(client);
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, pool, close: () => db.destroy() };
}

// Marks a statement as one to run as a named prepared statement (see prepared()).
const PREPARED_MARK = '/*prepared*/ ';
// Names by text, shared by every connection (each prepares a name once, on its first use).
const preparedNames = new Map<string, string>();
// Marked texts must be few and fixed; past this many distinct ones, new ones run unnamed, so that
// a statement whose text varies by mistake cannot grow every connection's statements without end.
const MAX_PREPARED = 200;

let capWarned = false;

function nameOf(text: string): string | undefined {
  let name = preparedNames.get(text);
  if (name === undefined && preparedNames.size < MAX_PREPARED) {
    name = `ql${preparedNames.size + 1}`;
    preparedNames.set(text, name);
  }
  if (name === undefined && !capWarned) {
    capWarned = true;
    process.emitWarning(`more than ${MAX_PREPARED} distinct statements were marked prepared(); the others run unnamed (a marked statement whose text varies?)`);
  }
  return name;
}

// A kept plan PostgreSQL refuses after a migration changed its result columns (0A000), or a name
// the server no longer has (26000): that connection runs the statement unnamed from then on.
const REFUSED_PLAN = new Set(['0A000', '26000']);

/**
 * Kysely sends every statement as text with its parameters, which PostgreSQL parses and plans each
 * time; a statement named once per connection is parsed once, and later runs send only its
 * parameters (~55 µs of Node and ~60 µs of backend CPU per statement, measured: docs/BENCHMARKS.md).
 * Only the statements marked by prepared() are named.
 */
function runMarkedAsPrepared(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const refused = new Set<string>();
  (client as { query: unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    const name = typeof config === 'string' && Array.isArray(values) && config.startsWith(PREPARED_MARK) ? nameOf(config) : undefined;
    if (name === undefined || refused.has(name)) return query(config, values, callback);
    const result = query({ name, text: config, values }, callback);
    if (result instanceof Promise) {
      result.catch((err: { code?: string }) => {
        if (REFUSED_PLAN.has(err?.code ?? '')) refused.add(name);
      });
    }
    return result;
  };
}

/**
 * A statement of the hot path, run as a named prepared statement on each connection. Its text must
 * be one of a few fixed ones (array parameters, not lists that grow with the input). Because a
 * connection keeps the plan, the statement should name its columns: PostgreSQL refuses a kept plan
 * whose result columns a migration changed (`SELECT *` of a table).
 */
export function prepared<T>(statement: RawBuilder<T>): RawBuilder<T> {
  return sql<T>`${sql.raw(PREPARED_MARK)}${statement}`;
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
