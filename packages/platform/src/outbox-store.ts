import { sql, type Kysely, type RawBuilder } from 'kysely';
import { unnestColumns } from './db.js';

/**
 * The columns every outbox table has (auth's `outbox`, progress's `grant_outbox`, …): `id uuid`,
 * `attempts int`, `next_attempt_at`, `lease_until`, `last_attempt_at`, `delivered_at`, `dead_at` (timestamptz) and
 * `last_error text`, plus a creation instant (the store's `createdColumn`).
 */
export interface OutboxRowBase {
  id: string;
  /** Attempts so far, the one just claimed included. */
  attempts: number;
  /**
   * The lease of the claim that returned the row (whole milliseconds, so that it survives the trip
   * through a JS Date). A settlement applies only while the row still holds this very lease.
   */
  lease_until?: Date | null;
}

export interface OutboxStats {
  /** Rows neither delivered nor dead: due now, waiting for a retry, or leased. */
  backlog: number;
  /** Age of the oldest of those (0 when there is none). */
  oldestAgeSeconds: number;
  /** Rows given up on (a permanent refusal), kept in the table with their error. */
  dead: number;
}

export type Settlement<R extends OutboxRowBase> =
  | { row: R; outcome: 'delivered' }
  | { row: R; outcome: 'retry'; error: string; delayMs: number }
  | { row: R; outcome: 'dead'; error: string }
  /** Not attempted after all (the lease ran short): the claim is undone, the attempt not counted. */
  | { row: R; outcome: 'released' };

export interface OutboxStore<R extends OutboxRowBase> {
  /**
   * Leases up to `limit` due rows, oldest first, in one statement (its own short transaction):
   * `lease_until = now() + lease`, `attempts + 1`. Rows leased by someone else are not due until
   * their lease has passed, so a relay that died mid-delivery leaves them to the next one.
   * `dueBy` (tests) treats rows waiting for a retry until then as due.
   */
  claim(limit: number, leaseMs: number, dueBy?: Date): Promise<R[]>;
  /**
   * Records the outcomes in one statement. A retry, death or release only applies while the row is
   * still ours (our claim's lease and attempt count: no other relay claimed it after our lease ran
   * out or after we released it); a delivery always applies, since the peer has it whoever asked.
   */
  settle(settlements: Array<Settlement<R>>): Promise<void>;
  stats(): Promise<OutboxStats>;
}

export interface SqlOutboxStoreOptions {
  table: string;
  /** Orders the claim (oldest first) and dates the backlog's oldest row. */
  createdColumn: string;
  /** Restricts the store to the rows where `column = value` (one kind of a shared table). */
  filter?: { column: string; value: string };
}

const ERROR_MAX = 1000;

/** An OutboxStore over a table with the conventional columns (see OutboxRowBase). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function sqlOutboxStore<R extends OutboxRowBase>(db: Kysely<any>, opts: SqlOutboxStoreOptions): OutboxStore<R> {
  const table = sql.table(opts.table);
  const created = sql.ref(opts.createdColumn);
  const scope: RawBuilder<unknown> = opts.filter ? sql`AND ${sql.ref(opts.filter.column)} = ${opts.filter.value}` : sql``;

  return {
    async claim(limit, leaseMs, dueBy) {
      // RETURNING keeps no order; the peer gets the rows oldest first.
      const { rows } = await sql<R>`
        WITH claimed AS (
          UPDATE ${table} SET lease_until = date_trunc('milliseconds', now() + make_interval(secs => ${leaseMs / 1000}::float8)), attempts = attempts + 1,
            last_attempt_at = now()
          WHERE id IN (
            SELECT id FROM ${table}
            WHERE delivered_at IS NULL AND dead_at IS NULL
              AND next_attempt_at <= coalesce(${dueBy ?? null}::timestamptz, now())
              AND (lease_until IS NULL OR lease_until <= now())
              ${scope}
            ORDER BY ${created}, id
            LIMIT ${limit}
            FOR UPDATE SKIP LOCKED)
          RETURNING *)
        SELECT * FROM claimed ORDER BY ${created}, id`.execute(db);
      return rows;
    },

    async settle(settlements) {
      if (settlements.length === 0) return;
      const col = unnestColumns(settlements);
      await sql`
        UPDATE ${table} AS t SET
          delivered_at = CASE WHEN u.outcome = 'delivered' THEN now() ELSE t.delivered_at END,
          dead_at = CASE WHEN u.outcome = 'dead' THEN now() ELSE t.dead_at END,
          next_attempt_at = CASE WHEN u.outcome = 'retry' THEN now() + make_interval(secs => u.delay_s) ELSE t.next_attempt_at END,
          attempts = CASE WHEN u.outcome = 'released' THEN t.attempts - 1 ELSE t.attempts END,
          last_error = CASE WHEN u.outcome = 'delivered' THEN NULL WHEN u.outcome = 'released' THEN t.last_error ELSE u.error END,
          lease_until = NULL
        FROM unnest(
          ${col('uuid', (s) => s.row.id)}, ${col('int', (s) => s.row.attempts)}, ${col('text', (s) => s.outcome)},
          ${col('text', (s) => ('error' in s ? s.error.slice(0, ERROR_MAX) : null))},
          ${col('float8', (s) => (s.outcome === 'retry' ? s.delayMs / 1000 : 0))},
          ${col('timestamptz', (s) => s.row.lease_until ?? null)}
        ) AS u(id, attempts, outcome, error, delay_s, lease_until)
        -- coalesce, not two IS NULLs: those would match the partial indexes of pending rows, and a
        -- scan of one visits every entry of a row settled since the last vacuum (a bitmap scan
        -- marks none dead), which grew with the table's history; by id it costs one lookup a row.
        WHERE t.id = u.id AND coalesce(t.delivered_at, t.dead_at) IS NULL
          -- The claim's own lease, not only its attempt count: a release gives the count back, so
          -- another relay's later claim of the row can have the same count (and must not be undone).
          AND (u.outcome = 'delivered' OR (t.attempts = u.attempts AND t.lease_until IS NOT DISTINCT FROM u.lease_until))`.execute(db);
    },

    async stats() {
      const { rows } = await sql<{ backlog: number; oldest: number | null; dead: number }>`
        SELECT
          (SELECT count(*) FROM ${table} WHERE delivered_at IS NULL AND dead_at IS NULL ${scope})::int AS backlog,
          (SELECT extract(epoch FROM now() - min(${created})) FROM ${table} WHERE delivered_at IS NULL AND dead_at IS NULL ${scope})::float8 AS oldest,
          (SELECT count(*) FROM ${table} WHERE dead_at IS NOT NULL ${scope})::int AS dead`.execute(db);
      const r = rows[0];
      return { backlog: r?.backlog ?? 0, oldestAgeSeconds: Math.max(0, r?.oldest ?? 0), dead: r?.dead ?? 0 };
    },
  };
}
