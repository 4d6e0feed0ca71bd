/**
 * `npm run bench:state-reads`: what reading and writing quest states costs in progress's Node
 * process and in its PostgreSQL backend, for the shapes the engine issue weighed — the reason an
 * event's transaction reads only the (user, quest) pairs its events reach (`insertEventsReadingStates`),
 * and the figures behind the encodings not taken (one JSON per user; one JSON parameter for writes).
 *
 *   npx tsx bench/progress/state-reads.ts [--users=500] [--states=30] [--reached=7] [--rounds=30]
 *
 * A fresh embedded PostgreSQL with progress's migrations; `users × 2` users with `states` quest
 * states each; then, for `users` of them: every state (what a transaction read before) and the
 * `reached` states per user that an event reaches (what it reads now, through the repository's own
 * function, on a generic plan as prepared statements run), then the alternatives. Node CPU from
 * process.cpuUsage, the backend's from /proc. Writes docs/benchmarks/state-reads.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { createDatabase, prepared } from '@questline/platform';
import { ensureDatabases, freePort, repoRoot, startEmbeddedPostgres } from '@questline/devstack';
import type { ProgressDatabase } from '../../services/progress/src/db/schema.js';
import { runMigrations } from '../../services/progress/src/db/migrations.js';
import { listStatesOf, upsertStatesStatement, type StateRow } from '../../services/progress/src/db/user-quests.repository.js';
import { numberArg } from '../shared/args.js';
import { cpuMs } from '../shared/proc.js';
import { describeMachine, pgVersion } from '../shared/machine.js';

const USERS = numberArg('users', 500);
const STATES = numberArg('states', 30);
const REACHED = numberArg('reached', 7);
const ROUNDS = numberArg('rounds', 30);

interface Cost {
  shape: string;
  rows: number;
  nodeMs: number;
  backendMs: number;
}

const COLUMNS = 'user_id, quest_key, progress, period_key, period_zone, completions, claimed, last_completed_period, completed_period_zone, streak_current, streak_best, streak_last_day, streak_zone, quest_version, objective_sig, counting_since, counting_base';
const TYPES = ['uuid', 'text', 'bigint', 'text', 'text', 'int', 'int', 'text', 'text', 'int', 'int', 'date', 'text', 'int', 'text', 'timestamptz', 'int'];

async function main() {
  const base = await mkdtemp(path.join(os.tmpdir(), 'questline-state-reads-'));
  const server = await startEmbeddedPostgres({ dir: path.join(base, 'pg'), port: await freePort(), password: randomBytes(12).toString('hex') });
  // One connection: its backend is the one whose CPU is read.
  const url = (await ensureDatabases(server.url, ['state_reads']))['state_reads']!;
  // The services' own pool (statements marked prepared() named per connection), one connection: its
  // backend is the one whose CPU is read, and its session keeps the plan setting below.
  const { db } = createDatabase<ProgressDatabase>(url, { max: 1 });
  try {
    await runMigrations({ DATABASE_URL: url });
    await sql`SET plan_cache_mode = force_generic_plan`.execute(db);
    await sql`
      INSERT INTO user_quests (user_id, quest_key, progress, period_key, period_zone, completions, claimed, last_completed_period,
        streak_current, streak_best, streak_last_day, streak_zone, quest_version, objective_sig, counting_since, counting_base)
      SELECT md5(u::text)::uuid, 'quest-' || q, u * q % 17, CASE WHEN q % 3 = 0 THEN '2026-12-07' END, CASE WHEN q % 3 = 0 THEN 'Europe/Berlin' END,
        q % 2, q % 2, CASE WHEN q % 2 = 1 THEN 'once' END, q % 4, q % 5, CASE WHEN q % 4 = 0 THEN date '2026-12-06' END,
        CASE WHEN q % 4 = 0 THEN 'Europe/Berlin' END, 1, '["tap","count",[]]', now(), 0
      FROM generate_series(1, ${USERS * 2}::int) u, generate_series(1, ${STATES}::int) q`.execute(db);
    await sql`VACUUM ANALYZE user_quests`.execute(db);
    const { rows: backendRows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db);
    const backend = backendRows[0]!.pid;
    const { rows: idRows } = await sql<{ id: string }>`SELECT md5(u::text)::uuid::text AS id FROM generate_series(1, ${USERS * 2}::int, 2) u`.execute(db);
    const ids = idRows.map((r) => r.id);
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `quest-${1 + Math.floor((i * STATES) / n)}`);

    const measure = async (shape: string, run: () => Promise<number>): Promise<Cost> => {
      for (let i = 0; i < 6; i++) await run(); // past the custom plans, as a pooled prepared statement is
      const node = process.cpuUsage();
      const backendBefore = await cpuMs(backend);
      let rows = 0;
      for (let i = 0; i < ROUNDS; i++) rows = await run();
      const used = process.cpuUsage(node);
      const cost = { shape, rows, nodeMs: (used.user + used.system) / 1000 / ROUNDS, backendMs: ((await cpuMs(backend)) - backendBefore) / ROUNDS };
      process.stdout.write(`${shape}: ${rows} rows, Node ${cost.nodeMs.toFixed(1)} ms, backend ${cost.backendMs.toFixed(1)} ms\n`);
      return cost;
    };
    const size = (m: Map<string, Map<string, unknown>>) => [...m.values()].reduce((a, s) => a + s.size, 0);
    const every = new Map(ids.map((id) => [id, keys(STATES)]));
    const reached = new Map(ids.map((id) => [id, keys(REACHED)]));
    const reads = [
      await measure('every state of each user, by user id (the statement before)', async () => {
        const { rows } = await prepared(sql`SELECT ${sql.raw(COLUMNS)} FROM user_quests WHERE user_id = ANY(${ids}::uuid[])`).execute(db);
        return rows.length;
      }),
      await measure('every state of each user, as pairs (all keys wanted)', async () => size(await listStatesOf(db, every))),
      await measure(`the ${REACHED} reached per user (now)`, async () => size(await listStatesOf(db, reached))),
      await measure('every state, one json_agg per user', async () => {
        const { rows } = await prepared(sql<{ s: unknown[][] }>`
          SELECT user_id, json_agg(json_build_array(${sql.raw(COLUMNS.split(', ').slice(1).join(', '))})) AS s
          FROM user_quests WHERE user_id = ANY(${ids}::uuid[]) GROUP BY user_id`).execute(db);
        return rows.reduce((a, r) => a + r.s.length, 0);
      }),
    ];

    const states = await listStatesOf(db, reached);
    const writes: StateRow[] = [...states].flatMap(([userId, byKey]) => [...byKey].map(([questKey, state]) => ({ userId, questKey, state: { ...state, progress: state.progress + 1 } })));
    const values = (r: StateRow) => {
      const s = r.state;
      return [r.userId, r.questKey, s.progress, s.periodKey, s.periodZone, s.completions, s.claimed, s.lastCompletedPeriod, s.completedZone, s.streakCurrent, s.streakBest, s.streakLastDay, s.streakZone, s.questVersion, s.objectiveFingerprint, s.countingSince, s.countingBase];
    };
    const names = COLUMNS.split(', ');
    const upsert = sql.raw(`ON CONFLICT (user_id, quest_key) DO UPDATE SET ${names.slice(2).map((c) => `${c} = excluded.${c}`).join(', ')}, updated_at = now()`);
    const writeCosts = [
      await measure(`${writes.length.toLocaleString('en-US')} states written as 17 arrays (now)`, async () => {
        await prepared(upsertStatesStatement(writes)!).execute(db);
        return writes.length;
      }),
      await measure(`${writes.length.toLocaleString('en-US')} states written as one json_to_recordset`, async () => {
        const json = JSON.stringify(writes.map((r) => Object.fromEntries(values(r).map((v, i) => [names[i]!, v]))));
        await prepared(sql`INSERT INTO user_quests (${sql.raw(COLUMNS)})
          SELECT * FROM json_to_recordset(${json}::json) AS r(${sql.raw(names.map((c, i) => `${c} ${TYPES[i]}`).join(', '))}) ${upsert}`).execute(db);
        return writes.length;
      }),
    ];
    const perType = await measurePerType(db, measure, writes, values);
    const eventRows = await measure(`${ids.length.toLocaleString('en-US')} event rows inserted (one per user: a batch's floor)`, async () => {
      const eventIds = ids.map(() => randomBytes(8).toString('hex'));
      await prepared(sql`INSERT INTO events (user_id, id, type, value, attributes, occurred_at)
        SELECT u, i, 'tap', NULL, '{}'::jsonb, now() FROM unnest(${ids}::uuid[], ${eventIds}::text[]) AS e(u, i)`).execute(db);
      return ids.length;
    });
    await writeFile(path.join(repoRoot, 'docs/benchmarks/state-reads.md'), report([...reads, ...writeCosts, ...perType, eventRows], await pgVersion(server.url)));
    process.stdout.write('docs/benchmarks/state-reads.md written\n');
  } finally {
    await db.destroy();
    await server.stop();
    await rm(base, { recursive: true, force: true });
  }
}

type Measure = (shape: string, run: () => Promise<number>) => Promise<Cost>;

/**
 * The engine issue's other shape: one row per (user, event type) holding, as one jsonb document, the
 * states of the quests listening to that type, so that an event writes one row instead of one per
 * listening quest. A table of the bench's own, with the same list-version trigger as `user_quests`
 * (a write must still move the user's quest list version), seeded with the reached states.
 */
async function measurePerType(db: Kysely<ProgressDatabase>, measure: Measure, writes: StateRow[], values: (r: StateRow) => unknown[]): Promise<Cost[]> {
  await sql`CREATE TABLE user_type_states (user_id uuid NOT NULL, type text NOT NULL, states jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (user_id, type))`.execute(db);
  for (const op of ['INSERT', 'UPDATE']) {
    await sql.raw(`CREATE TRIGGER user_type_states_${op.toLowerCase()} AFTER ${op} ON user_type_states
      REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_quest_list_versions()`).execute(db);
  }
  const byUser = new Map<string, StateRow[]>();
  for (const w of writes) byUser.set(w.userId, [...(byUser.get(w.userId) ?? []), w]);
  const users = [...byUser.keys()];
  const docs = () => users.map((u) => JSON.stringify(Object.fromEntries(byUser.get(u)!.map((r) => [r.questKey, values(r).slice(2)]))));
  const upsert = (json: string[]) =>
    prepared(sql`INSERT INTO user_type_states (user_id, type, states) SELECT * FROM unnest(${users}::uuid[], ${users.map(() => 'tap')}::text[], ${json}::jsonb[])
      ON CONFLICT (user_id, type) DO UPDATE SET states = excluded.states, updated_at = now()`).execute(db);
  await upsert(docs());
  await sql`VACUUM ANALYZE user_type_states`.execute(db);
  const types = users.map(() => 'tap');
  return [
    await measure(`the same states as ${users.length.toLocaleString('en-US')} documents, one per (user, event type), read`, async () => {
      const { rows } = await prepared(sql<{ states: Record<string, unknown[]> }>`SELECT user_id, states FROM user_type_states
        WHERE (user_id, type) IN (SELECT * FROM unnest(${users}::uuid[], ${types}::text[]))`).execute(db);
      return rows.reduce((a, r) => a + Object.keys(r.states).length, 0);
    }),
    await measure(`the same states as ${users.length.toLocaleString('en-US')} documents, one per (user, event type), written`, async () => {
      await upsert(docs());
      return writes.length;
    }),
  ];
}

function report(costs: Cost[], version: string): string {
  const f = (x: number) => x.toFixed(1);
  return [
    '# Quest states: what a read and a write cost (progress)',
    '',
    `- command: \`npm run bench:state-reads\` (\`--users=${USERS} --states=${STATES} --reached=${REACHED} --rounds=${ROUNDS}\`)`,
    `- date: ${new Date().toISOString()}`,
    `- machine: ${describeMachine()}; PostgreSQL ${version} (embedded, fresh, fsync on)`,
    `- data: ${(USERS * 2).toLocaleString('en-US')} users with ${STATES} quest states each in progress's own \`user_quests\` (its migrations, triggers included); each read is of ${USERS} of them, as a batch's transaction reads its users; every statement named once on the connection, as the services run their hot statements (platform \`prepared()\`), and on its generic plan (\`plan_cache_mode = force_generic_plan\`), which a prepared statement settles on; CPU per statement, the mean of ${ROUNDS}.`,
    '',
    '| statement | rows | Node CPU | PostgreSQL backend CPU | both |',
    '|---|---:|---:|---:|---:|',
    ...costs.map((c) => `| ${c.shape} | ${c.rows.toLocaleString('en-US')} | ${f(c.nodeMs)} ms | ${f(c.backendMs)} ms | ${f(c.nodeMs + c.backendMs)} ms |`),
    '',
    'Reading only the states an event reaches is what progress does (`insertEventsReadingStates` with',
    "`CatalogSnapshot.statesRead`): the pairs come with user and quest index conditions, so no plan reads",
    'the table. When the events reach every quest a user holds (a catalog whose quests all sit in one',
    'prerequisite chain), the pairs cost more than reading by user id alone (the second row: the pair',
    'arrays are serialised and matched), a case the bench catalog and the seed do not have. One JSON',
    'document per user cuts the Node side to about a third but moves more than that onto PostgreSQL,',
    'which batches are bound by; one JSON parameter for writes cost both sides more. Both were left',
    '(docs/BENCHMARKS.md, "Engine v2, third part").',
    '',
    "The last rows weigh the engine issue's other shape: one row per (user, event type) holding the",
    'states of the quests listening to that type as one jsonb document (a table of the bench\'s own,',
    'with the same list-version trigger), so that an event writes one row instead of one per listening',
    'quest. The same states cost less that way, read and written, but not by the factor the batch goal',
    'needs: per event (a row of the table per user here) the saving is the difference of the rows',
    'divided by the users, next to the event row itself, which every shape writes (the floor). See',
    'docs/BENCHMARKS.md, "Engine v2, fourth part".',
    '',
  ].join('\n');
}

await main();
