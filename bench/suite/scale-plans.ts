/**
 * The plans of the hot read statements on the scale phase's data, with EXPLAIN (ANALYZE, BUFFERS):
 * what `GET /me/quests` reads (profile and states in one statement) and what an event's commit
 * reads and writes (the users' lock, the event's insert with the states' read, the profiles). The
 * statements are the repositories' own, captured through Kysely's query log as
 * services/progress/test/hot-plans.test.ts captures them, for a seeded user with states, inside a
 * transaction that is rolled back (EXPLAIN ANALYZE runs them).
 */
import pg from 'pg';
import { Kysely, PostgresDialect, sql, type CompiledQuery } from 'kysely';
import type { ProgressDatabase } from '../../services/progress/src/db/schema.js';
import { getProfiles } from '../../services/progress/src/db/profiles.repository.js';
import { insertEventsReadingStates, lockUsers, readQuestList } from '../../services/progress/src/db/user-quests.repository.js';

export interface StatementPlan {
  /** The statement's first characters, whitespace folded. */
  statement: string;
  executionMs: number;
  /** Shared buffers hit and read over the whole plan. */
  hit: number;
  read: number;
  /** Tables read sequentially in the plan (none expected). */
  seqScans: string[];
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

function seqScans(node: PlanNode, out: string[] = []): string[] {
  if (node['Node Type'] === 'Seq Scan' && node['Relation Name']) out.push(node['Relation Name']);
  for (const child of node.Plans ?? []) seqScans(child, out);
  return out;
}

/** Plans of the hot statements for `userId` (a seeded user with states) on the progress database. */
export async function hotPlans(progressUrl: string, userId: string, eventType: string): Promise<StatementPlan[]> {
  const pool = new pg.Pool({ connectionString: progressUrl, max: 1 });
  const captured: CompiledQuery[] = [];
  const db = new Kysely<ProgressDatabase>({ dialect: new PostgresDialect({ pool }), log: (e) => void (e.level === 'query' && captured.push(e.query)) });
  try {
    const rollback = new Error('rollback');
    await db
      .transaction()
      .execute(async (trx) => {
        await lockUsers(trx, [userId]);
        await getProfiles(trx, [userId]);
        const event = { userId, id: `plan-${Date.now()}`, type: eventType, value: 1, attributes: {}, occurredAt: new Date(), zone: 'UTC' };
        // The states such an event reads: those of the quests listening to its type (the stored catalog copy's).
        const { rows: listening } = await sql<{ key: string }>`
          SELECT q->>'key' AS key FROM catalog_snapshot, jsonb_array_elements(body->'quests') q WHERE q->'objective'->>'event' = ${eventType}`.execute(trx);
        await insertEventsReadingStates(trx, new Map([[userId, listening.map((r) => r.key)]]), [event]);
        await readQuestList(trx, userId);
        throw rollback;
      })
      .catch((err: unknown) => {
        if (err !== rollback) throw err;
      });
    const plans: StatementPlan[] = [];
    const client = await pool.connect();
    try {
      for (const q of captured.filter((c) => /^\s*(select|insert|with)\b/i.test(c.sql))) {
        await client.query('BEGIN');
        try {
          const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode; 'Execution Time': number }> }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${q.sql}`, [...q.parameters]);
          const top = rows[0]!['QUERY PLAN'][0]!;
          plans.push({
            statement: q.sql.replace(/\s+/g, ' ').trim().slice(0, 90),
            executionMs: top['Execution Time'],
            hit: top.Plan['Shared Hit Blocks'] ?? 0,
            read: top.Plan['Shared Read Blocks'] ?? 0,
            seqScans: seqScans(top.Plan),
          });
        } finally {
          await client.query('ROLLBACK');
        }
      }
    } finally {
      client.release();
    }
    return plans;
  } finally {
    await db.destroy();
  }
}
