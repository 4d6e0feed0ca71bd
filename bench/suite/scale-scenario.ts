/**
 * The scale phase (issue "Engine v2": "1,000,000 users and 500 published quests vs 10,000 users
 * and 50 quests: single-event rate ≥ 0.8×, `GET /me/quests` p99 ≤ 1.5×"). After the normal
 * scenarios (the small figures), quests are added through the admin API until 500 are published
 * over 50 event types (scale-quests.ts), users are seeded straight into the databases until auth
 * has `users` of them (scale-seed.ts), and the two scenarios run again, as they ran before, for a
 * random sample of the seeded users who have states: single events through the gateway (events of
 * every type a player may report, so each reaches about as many quests as 500 over 50 types gives)
 * and `GET /me/quests` through the gateway. PostgreSQL's own counters of
 * sequential scans on the big tables are read around the two scenarios: any such scan during them
 * costs in proportion to the data, which the goal forbids on a hot path.
 */
import { query, withClient } from '../shared/pg-client.js';
import { mintTokens } from './data.js';
import type { Scenario, ScenarioResult } from './load.js';
import { createScaleQuests, publishedQuests } from './scale-quests.js';
import { hotPlans, type StatementPlan } from './scale-plans.js';
import { STATES_PER_USER, hasStates, seedScaleUsers, seededUserId, type SeedResult } from './scale-seed.js';
import type { System } from './system.js';

export const SCALE_QUESTS = 500;
export const SCALE_EVENT_TYPES = 50;
export const scaleSingleName = (users: number, quests = SCALE_QUESTS) => `single events (gateway, ${users.toLocaleString('en-US')} users, ${quests} quests)`;
export const scaleQuestsName = (users: number, quests = SCALE_QUESTS) => `GET /me/quests (gateway, ${users.toLocaleString('en-US')} users, ${quests} quests)`;

export interface SeqScans {
  database: 'auth' | 'progress';
  table: string;
  scans: number;
  rows: number;
}

export interface ScaleReport {
  /** Users in auth's database once seeded (signed up by the run + seeded). */
  users: number;
  quests: number;
  eventTypes: number;
  statesPerUser: number;
  seeded: SeedResult;
  /** Creating and publishing the added quests through the API, ms. */
  questsMs: number;
  /** Quests listening to an event of the load, on average: the small phase's mix and this one's. */
  listenersSmall: number;
  listenersBig: number;
  /** Published quests before the phase added its own. */
  questsBefore: number;
  /** The names of the two scenarios in `results`. */
  singleName: string;
  questsName: string;
  /**
   * The small data set's two scenarios measured again just before the phase (absent in reports of
   * the first version): the goal's reference, taken as warm and as close in time as the big ones.
   */
  smallSingleName?: string;
  smallQuestsName?: string;
  /** Sequential scans of the big tables while the two scenarios ran (PostgreSQL's counters). */
  seqScans: SeqScans[];
  /** EXPLAIN (ANALYZE, BUFFERS) of the hot statements for seeded user 1 after the scenarios. */
  plans?: StatementPlan[];
}

export interface ScaleOptions {
  sys: System;
  adminToken: string;
  users: number;
  /** Tokens per scenario (the small phase's user count, so the token caches see the same spread). */
  sample: number;
  seconds: number;
  /** A real user's login, for the claims the minted tokens copy. */
  login: { username: string; password: string };
  /** The small phase's tokens and event mix: its two scenarios run again just before the phase. */
  small: { tokens: string[]; event: () => Record<string, unknown> };
  /** Runs a scenario as the suite does (honours --only, keeps the result). */
  measure: (s: Scenario) => Promise<void>;
  settle: () => Promise<void>;
  log: (line: string) => void;
}

const BIG_TABLES = {
  auth: ['users', 'balances', 'grants', 'ledger_entries', 'outbox'],
  progress: ['events', 'user_quests', 'user_profiles', 'completions', 'grant_outbox', 'webhook_outbox', 'player_daily_counts'],
} as const;

async function scanCounters(url: string, tables: readonly string[]): Promise<Map<string, { scans: number; rows: number }>> {
  // The counters reach the view when a backend reports them (at most about a second late).
  const rows = await query<{ relname: string; seq_scan: string; seq_tup_read: string }>(
    url,
    'SELECT relname, seq_scan, seq_tup_read FROM pg_stat_user_tables WHERE relname = ANY($1::text[])',
    [tables],
  );
  return new Map(rows.map((r) => [r.relname, { scans: Number(r.seq_scan), rows: Number(r.seq_tup_read) }]));
}

async function scanSnapshot(sys: System): Promise<SeqScans[]> {
  const out: SeqScans[] = [];
  for (const database of ['auth', 'progress'] as const) {
    const counters = await scanCounters(sys.databases[database], BIG_TABLES[database]);
    for (const [table, v] of counters) out.push({ database, table, ...v });
  }
  return out;
}

async function authUserCount(sys: System): Promise<{ count: number; passwordHash: string }> {
  return withClient(sys.databases.auth, async (c) => {
    const count = Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM users')).rows[0]!.n);
    const hash = (await c.query<{ h: string }>("SELECT password_hash AS h FROM users WHERE role = 'player' AND password_hash IS NOT NULL LIMIT 1")).rows[0]?.h;
    if (!hash) throw new Error('no signed-up player to copy a password hash from');
    return { count, passwordHash: hash };
  });
}

/** `n` distinct random integers in 1..max that satisfy `keep`. */
function sampleOf(n: number, max: number, keep: (i: number) => boolean = () => true): number[] {
  const picked = new Set<number>();
  for (let tries = 0; picked.size < n && tries < n * 20; tries++) {
    const i = 1 + Math.floor(Math.random() * max);
    if (keep(i)) picked.add(i);
  }
  return [...picked];
}

async function warmTokens(url: string, tokens: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tokens.length) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${tokens[next++]!}` } });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`token warm-up: ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;

/** Runs the phase; its two scenarios go through `o.measure` (which keeps their results). */
export async function measureScale(o: ScaleOptions): Promise<ScaleReport> {
  const { sys, log } = o;
  const gw = sys.stack.urls.gateway;
  // The reference again, right before: the suite's own figures for it come minutes earlier, from
  // services that had just started (the first scenarios run while the JIT still warms up).
  const questsBefore = (await publishedQuests(gw)).length;
  const smallSingleName = scaleSingleName(o.small.tokens.length, questsBefore);
  const smallQuestsName = scaleQuestsName(o.small.tokens.length, questsBefore);
  const smallBearer = () => ({ authorization: `Bearer ${pick(o.small.tokens)}` });
  await o.settle();
  await o.measure({
    name: smallSingleName,
    url: `${gw}/api/v1/events`,
    method: 'POST',
    connections: 32,
    seconds: o.seconds,
    next: () => ({ headers: { ...smallBearer(), 'content-type': 'application/json' }, body: JSON.stringify(o.small.event()) }),
  });
  await o.settle();
  await o.measure({ name: smallQuestsName, url: `${gw}/api/v1/me/quests`, method: 'GET', connections: 32, seconds: o.seconds, next: () => ({ headers: smallBearer() }) });
  log(`scale phase: quests up to ${SCALE_QUESTS} over ${SCALE_EVENT_TYPES} event types (admin API)...`);
  const catalog = await createScaleQuests(sys, o.adminToken, SCALE_QUESTS, SCALE_EVENT_TYPES);
  log(`  ${catalog.quests} quests published over ${catalog.eventTypes} event types in ${(catalog.ms / 1000).toFixed(1)} s; quests listening to an event of the load: ${catalog.listenersBefore.toFixed(1)} before, ${catalog.listenersAfter.toFixed(1)} now`);
  const existing = await authUserCount(sys);
  const count = Math.max(0, o.users - existing.count);
  log(`scale phase: seeding ${count.toLocaleString('en-US')} users straight into the databases (${STATES_PER_USER} states and events each for 80 % of them)...`);
  const seeded = await seedScaleUsers({ authUrl: sys.databases.auth, progressUrl: sys.databases.progress, count, passwordHash: existing.passwordHash, quests: catalog.stateQuests, log });
  log(`  seeded ${seeded.users.toLocaleString('en-US')} users, ${seeded.states.toLocaleString('en-US')} states, ${seeded.events.toLocaleString('en-US')} events: inserts ${(seeded.insertMs / 1000).toFixed(1)} s, VACUUM (ANALYZE) ${(seeded.vacuumMs / 1000).toFixed(1)} s`);

  const users = existing.count + count;
  const singleName = scaleSingleName(users, catalog.quests);
  const questsName = scaleQuestsName(users, catalog.quests);
  // One sample for both scenarios, as the small phase has one set of tokens for both: the gateway
  // verifies a token once, so a second set would put 10,000 first verifications in the list's figures.
  const tokens = await mintTokens(sys, o.login, sampleOf(o.sample, count, hasStates).map(seededUserId));
  log(`  ${tokens.length.toLocaleString('en-US')} access tokens signed for seeded users with states`);
  const event = () => {
    const type = pick(catalog.sendTypes);
    // Values on the new types (some of their quests are sums); the small phase's types as it sent them.
    if (catalog.newTypes.has(type)) return { type, value: 1 + Math.floor(Math.random() * 50) };
    if (type === 'spend') return { type, value: 1 + Math.floor(Math.random() * 50), attributes: { shop: Math.random() < 0.5 ? 'main' : 'side' } };
    return { type };
  };
  const bearer = () => ({ authorization: `Bearer ${pick(tokens)}` });
  // The small reference's tokens are all known to the gateway by now (verified once, remembered
  // until they expire); these are new, and their 10,000 first verifications would land on the big
  // phase's figures (seen in the first 1,000,000-user run: gateway CPU per event 613 vs 331 µs).
  // One unmeasured GET /api/v1/me per token puts both phases on the same footing.
  log('  each token used once (GET /api/v1/me, not measured)...');
  await warmTokens(`${gw}/api/v1/me`, tokens);

  // The scan counters are read around each scenario's load only: the settling between them polls
  // the outbox with the bench's own count(*), which is no hot path.
  const seqScans: SeqScans[] = [];
  const counted = async (s: Scenario) => {
    await o.settle();
    await pause(1500);
    const before = await scanSnapshot(sys);
    await o.measure(s);
    await pause(1500);
    for (const a of await scanSnapshot(sys)) {
      const b = before.find((x) => x.database === a.database && x.table === a.table);
      const scans = a.scans - (b?.scans ?? 0);
      const rows = a.rows - (b?.rows ?? 0);
      if (scans === 0) continue;
      const seen = seqScans.find((x) => x.database === a.database && x.table === a.table);
      if (seen) Object.assign(seen, { scans: seen.scans + scans, rows: seen.rows + rows });
      else seqScans.push({ database: a.database, table: a.table, scans, rows });
    }
  };
  await counted({
    name: singleName,
    url: `${gw}/api/v1/events`,
    method: 'POST',
    connections: 32,
    seconds: o.seconds,
    next: () => ({ headers: { ...bearer(), 'content-type': 'application/json' }, body: JSON.stringify(event()) }),
  });
  await counted({ name: questsName, url: `${gw}/api/v1/me/quests`, method: 'GET', connections: 32, seconds: o.seconds, next: () => ({ headers: bearer() }) });
  for (const s of seqScans) log(`  sequential scans during the scale scenarios: ${s.database}.${s.table} ${s.scans} (${s.rows.toLocaleString('en-US')} rows read)`);
  if (seqScans.length === 0) log('  no sequential scan of a big table during the scale scenarios');
  const plans = await hotPlans(sys.databases.progress, seededUserId(1), catalog.stateQuests[0]?.event ?? catalog.sendTypes[0]!);
  for (const p of plans) log(`  EXPLAIN (ANALYZE, BUFFERS): ${p.executionMs.toFixed(2)} ms, buffers hit ${p.hit} read ${p.read}${p.seqScans.length ? `, SEQ SCAN ${p.seqScans.join(', ')}` : ''}: ${p.statement}`);

  const report: ScaleReport = {
    users,
    quests: catalog.quests,
    eventTypes: catalog.eventTypes,
    statesPerUser: STATES_PER_USER,
    seeded,
    questsMs: catalog.ms,
    questsBefore,
    smallSingleName,
    smallQuestsName,
    listenersSmall: catalog.listenersBefore,
    listenersBig: catalog.listenersAfter,
    singleName,
    questsName,
    seqScans,
    plans,
  };
  return report;
}

/** Big ÷ small single-event rate and `GET /me/quests` p99 (null where a scenario did not run). */
export function scaleRatios(scale: ScaleReport, results: ScenarioResult[]): { rate: number | null; p99: number | null } {
  const ratio = (big: string, small: string, f: (r: ScenarioResult) => number) => {
    const b = results.find((r) => r.name === big);
    const s = results.find((r) => r.name === small);
    return b && s ? f(b) / f(s) : null;
  };
  return {
    rate: ratio(scale.singleName, smallReference(scale, results).single, (r) => r.throughput),
    p99: ratio(scale.questsName, smallReference(scale, results).quests, (r) => r.p99),
  };
}

/** The small figures the goal divides by: the ones measured just before the phase when it made them, else the suite's. */
export function smallReference(scale: ScaleReport, results: ScenarioResult[]): { single: string; quests: string } {
  const has = (name?: string) => name !== undefined && results.some((r) => r.name === name);
  return {
    single: has(scale.smallSingleName) ? scale.smallSingleName! : 'single events (gateway)',
    quests: has(scale.smallQuestsName) ? scale.smallQuestsName! : 'GET /me/quests (gateway)',
  };
}

export function describeScaleRatios(scale: ScaleReport, results: ScenarioResult[]): string {
  const { rate, p99 } = scaleRatios(scale, results);
  return `single-event rate ${rate?.toFixed(2) ?? 'n/a'} (goal ≥ 0.8), GET /me/quests p99 ${p99?.toFixed(2) ?? 'n/a'} (goal ≤ 1.5)`;
}
