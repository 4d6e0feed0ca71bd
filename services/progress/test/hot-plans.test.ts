/**
 * The hot path's statements stay on their indexes as the data grows: a database seeded with 40,000
 * users (200,000 quest states and events; 40,000 completions, delivered grants, webhook messages;
 * 80,000 daily counts) and analysed; then every statement an event, a claim, a quest list or a relay
 * pass runs — captured from the repositories through Kysely's query log, so the test checks what
 * the code sends — is planned with EXPLAIN, and no plan may read a big table sequentially: such a
 * scan costs in proportion to every user's data, which the engine issue forbids on a hot path.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import { oneStatement } from '@questline/platform';
import { createTestDatabase, type TestDatabase } from '@questline/testkit';
import type { ProgressDatabase } from '../src/db/schema.js';
import { runMigrations } from '../src/db/migrations.js';
import { getProfile } from '../src/db/profiles.repository.js';
import { insertEventsReadingStates, lockUsers, readQuestList, upsertStatesStatement } from '../src/db/user-quests.repository.js';
import { latestOccurredAt, listEventsOfType } from '../src/db/events.repository.js';
import { completionTimes, firstCompletionTimes, insertCompletionsStatement, listUnclaimed, markClaimed } from '../src/db/completions.repository.js';
import { enqueueGrantsStatement, grantOutboxStore } from '../src/db/outbox.repository.js';
import { enqueueWebhookMessagesStatement, webhookOutboxStore } from '../src/db/webhook-outbox.repository.js';
import { addDailyCounts, loadDailyCounts, storedEventKeys } from '../src/db/player-daily-counts.repository.js';
import { freshState } from '../src/domain/quest-state.js';
import { questGrant } from '../src/domain/grant.js';
import { questCompletedMessage } from '../src/domain/webhook-messages.js';
import { quest } from './support/quests.js';

const USERS = 40_000;
const BIG_TABLES = new Set(['events', 'user_quests', 'completions', 'grant_outbox', 'webhook_outbox', 'user_profiles', 'player_daily_counts']);

let database: TestDatabase;
let pool: pg.Pool;
let db: Kysely<ProgressDatabase>;
const captured: CompiledQuery[] = [];

/** The id of seeded user i (a uuid made of md5(i), as the seed's SQL makes it). */
const userOf = (i: number) => `(md5('${i}')::uuid)`;

before(async () => {
  database = await createTestDatabase('hotplans');
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  db = new Kysely<ProgressDatabase>({
    dialect: new PostgresDialect({ pool }),
    log: (e) => {
      if (e.level === 'query') captured.push(e.query);
    },
  });
  await runMigrations({ DATABASE_URL: database.url });
  await pool.query(`
    INSERT INTO user_profiles (id, role, status, timezone, version)
      SELECT md5(i::text)::uuid, 'player', 'active', 'Europe/Paris', 1 FROM generate_series(1, ${USERS}) i;
    INSERT INTO user_quests (user_id, quest_key, progress, completions, quest_version)
      SELECT md5(i::text)::uuid, 'q' || k, 1, 0, 1 FROM generate_series(1, ${USERS}) i, generate_series(1, 5) k;
    INSERT INTO events (user_id, id, type, occurred_at, zone)
      SELECT md5(i::text)::uuid, 'e' || k, 't' || k, now() - make_interval(days => k), 'Europe/Paris' FROM generate_series(1, ${USERS}) i, generate_series(1, 5) k;
    INSERT INTO completions (user_id, quest_key, number, quest_version, reward, completed_at, claimed_at)
      SELECT md5(i::text)::uuid, 'q1', 1, 1, '{}'::jsonb, now(), CASE WHEN i % 10 = 0 THEN NULL ELSE now() END FROM generate_series(1, ${USERS}) i;
    INSERT INTO grant_outbox (user_id, quest_key, completion, idempotency_key, payload, delivered_at, created_at)
      SELECT md5(i::text)::uuid, 'q1', 1, 'k' || i, '{}'::jsonb, CASE WHEN i > 100 THEN now() END, now() - make_interval(secs => i)
      FROM generate_series(1, ${USERS}) i;
    INSERT INTO webhook_outbox (id, type, data, occurred_at, delivered_at, created_at)
      SELECT md5('w' || i)::uuid, 'quest.completed', '{}'::jsonb, now(), CASE WHEN i > 100 THEN now() END, now() - make_interval(secs => i)
      FROM generate_series(1, ${USERS}) i;
    INSERT INTO player_daily_counts (user_id, type, day, count)
      SELECT md5(i::text)::uuid, 't1', current_date - k, 1 FROM generate_series(1, ${USERS}) i, generate_series(1, 2) k;
    ANALYZE;`);
  const someone = (await pool.query<{ id: string }>(`SELECT ${userOf(7)} AS id`)).rows[0]!.id;
  captured.length = 0;

  // What one event's commit, a claim, a quest list and the relays run (the statements, not the order).
  const q = quest({ key: 'q1', autoClaim: true });
  await db.transaction().execute(async (trx) => {
    await lockUsers(trx, [someone]);
    await storedEventKeys(trx, [{ userId: someone, id: 'new-event' }]);
    await loadDailyCounts(trx, [{ userId: someone, type: 't1', day: '2026-03-01' }]);
    await addDailyCounts(trx, [{ userId: someone, type: 't1', day: '2026-03-01', count: 1 }]);
    const event = { userId: someone, id: 'new-event', type: 't1', value: null, attributes: {}, occurredAt: new Date(), zone: 'Europe/Paris' };
    await insertEventsReadingStates(trx, new Map([[someone, ['q1', 'q2']]]), [event]);
    await listEventsOfType(trx, someone, 't1', new Date(Date.now() - 86_400_000));
    await latestOccurredAt(trx, someone, 't1', null, ['new-event']);
    await completionTimes(trx, someone, 'q1', 0);
    await firstCompletionTimes(trx, [someone], ['q1', 'q2']);
    await oneStatement([
      insertCompletionsStatement([{ userId: someone, questKey: 'q1', number: 2, questVersion: 1, reward: q.reward, completedAt: new Date(), claimedAt: new Date() }]),
      enqueueGrantsStatement([questGrant(someone, 'q1', 2, q.reward)]),
      enqueueWebhookMessagesStatement([questCompletedMessage(someone, 'q1', 2, new Date(), true)]),
      upsertStatesStatement([{ userId: someone, questKey: 'q1', state: freshState(q, new Date()) }]),
    ])?.execute(trx);
    await listUnclaimed(trx, someone, 'q1');
    await markClaimed(trx, someone, 'q1', [1], new Date());
  });
  await getProfile(db, someone);
  await readQuestList(db, someone);
  const grants = grantOutboxStore(db);
  await grants.settle((await grants.claim(30, 30_000)).map((row) => ({ row, outcome: 'delivered' as const })));
  const messages = webhookOutboxStore(db);
  await messages.settle((await messages.claim(30, 30_000)).map((row) => ({ row, outcome: 'delivered' as const })));
});

after(async () => {
  await db?.destroy();
  await database?.drop();
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function sequentialScans(node: PlanNode, out: string[] = []): string[] {
  if (node['Node Type'] === 'Seq Scan' && node['Relation Name'] && BIG_TABLES.has(node['Relation Name'])) out.push(node['Relation Name']);
  for (const child of node.Plans ?? []) sequentialScans(child, out);
  return out;
}

test('every hot statement was captured', () => {
  const tables = new Set(captured.flatMap((c) => [...BIG_TABLES].filter((t) => c.sql.includes(t))));
  assert.deepEqual([...tables].sort(), [...BIG_TABLES].sort(), 'each big table is touched by some captured statement');
  assert.ok(captured.length >= 15, `${captured.length} statements`);
});

test('no hot statement reads a big table sequentially', async () => {
  const offenders: string[] = [];
  for (const query of captured) {
    if (!/^\s*(select|insert|update|delete|with)\b/i.test(query.sql)) continue;
    const { rows } = await pool.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) ${query.sql}`, [...query.parameters]);
    const scans = sequentialScans(rows[0]!['QUERY PLAN'][0]!.Plan);
    if (scans.length) offenders.push(`${scans.join(', ')}: ${query.sql.replace(/\s+/g, ' ').slice(0, 160)}`);
  }
  assert.deepEqual(offenders, []);
});

// Prepared statements run on a generic plan after a few executions: it must stay on the indexes too.
test('no hot statement reads a big table sequentially on its generic plan', async () => {
  const offenders: string[] = [];
  for (const query of captured) {
    if (!/^\s*(select|insert|update|delete|with)\b/i.test(query.sql)) continue;
    const { rows } = await pool.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (GENERIC_PLAN, FORMAT JSON) ${query.sql}`);
    const scans = sequentialScans(rows[0]!['QUERY PLAN'][0]!.Plan);
    if (scans.length) offenders.push(`${scans.join(', ')}: ${query.sql.replace(/\s+/g, ' ').slice(0, 160)}`);
  }
  assert.deepEqual(offenders, []);
});

function indexesOf(node: PlanNode, out: string[] = []): string[] {
  if (node['Index Name']) out.push(node['Index Name']);
  for (const child of node.Plans ?? []) indexesOf(child, out);
  return out;
}

// A relay's settlement finds its rows by id. Planned on the partial index of pending rows instead, it
// visited every entry of a row delivered since the last vacuum (a bitmap scan marks none dead): a
// cost that grew with the table's history (6 ms a settlement in a 20-second paying run).
test('a relay settles its outbox rows by primary key, not by scanning the pending ones', async () => {
  const settlements = captured.filter((c) => /^\s*update "(grant|webhook)_outbox" as t\b/i.test(c.sql));
  assert.equal(settlements.length, 2, 'both outboxes settled');
  for (const query of settlements) {
    for (const generic of [false, true]) {
      const explain = generic ? `EXPLAIN (GENERIC_PLAN, FORMAT JSON) ${query.sql}` : `EXPLAIN (FORMAT JSON) ${query.sql}`;
      const { rows } = await pool.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(explain, generic ? [] : [...query.parameters]);
      const indexes = indexesOf(rows[0]!['QUERY PLAN'][0]!.Plan);
      assert.ok(indexes.length > 0 && indexes.every((i) => i.endsWith('_pkey')), `${generic ? 'generic' : 'custom'} plan uses ${indexes.join(', ') || 'no index'}`);
    }
  }
});
