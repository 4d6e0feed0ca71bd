/**
 * --pg-statements: what PostgreSQL spends its time on, per scenario. The embedded server is started
 * with pg_stat_statements preloaded; before a scenario its counters are reset, after it the
 * statements that took the most execution time are printed per request of the scenario, with the
 * buffers each call touched. Times are
 * the backend's execution time (wall clock inside PostgreSQL), not CPU: a guide to which statements
 * to look at, not a figure for the report.
 */
import { withClient } from './pg-client.js';

export const PG_STATEMENTS_SETTINGS: Record<string, string> = {
  shared_preload_libraries: 'pg_stat_statements',
  'pg_stat_statements.track': 'all',
  'pg_stat_statements.max': '1000',
};

export async function installPgStatements(adminUrl: string): Promise<void> {
  await withClient(adminUrl, (c) => c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements'));
}

export async function resetPgStatements(adminUrl: string): Promise<void> {
  await withClient(adminUrl, (c) => c.query('SELECT pg_stat_statements_reset()'));
}

interface StatementRow {
  db: string;
  query: string;
  calls: string;
  rows: string;
  total_ms: number;
  blocks: string;
}

/** The `limit` statements with the most execution time since the last reset, per request of the scenario. */
export async function describePgStatements(adminUrl: string, requests: number, limit = 15): Promise<string[]> {
  const { rows, sum } = await withClient(adminUrl, async (c) => ({
    rows: (
      await c.query<StatementRow>(
        `SELECT d.datname AS db, s.query, s.calls::text, s.rows::text, s.total_exec_time AS total_ms,
              round((s.shared_blks_hit + s.shared_blks_read) / greatest(s.calls, 1))::text AS blocks
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname <> 'postgres'
        ORDER BY s.total_exec_time DESC LIMIT $1`,
        [limit],
      )
    ).rows,
    sum: (
      await c.query<{ total_ms: number; calls: string }>(
        `SELECT coalesce(sum(s.total_exec_time), 0) AS total_ms, coalesce(sum(s.calls), 0)::text AS calls
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname <> 'postgres'`,
      )
    ).rows,
  }));
  const per = (ms: number) => ((ms * 1000) / Math.max(requests, 1)).toFixed(1).padStart(7);
  const lines = [`  PostgreSQL execution time per request: ${per(sum[0]!.total_ms).trim()} µs in ${(Number(sum[0]!.calls) / Math.max(requests, 1)).toFixed(1)} statements`];
  for (const r of rows) {
    const db = r.db.replace(/^bench_/, '').replace(/_[0-9a-f]{6}$/, '');
    const text = r.query.replace(/\s+/g, ' ').slice(0, 150);
    const calls = (Number(r.calls) / Math.max(requests, 1)).toFixed(2).padStart(6);
    lines.push(`  ${per(r.total_ms)} µs  ${calls} calls  ${r.blocks.padStart(5)} blocks/call  ${db.padEnd(8)} ${text}`);
  }
  return lines;
}
