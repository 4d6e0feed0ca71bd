/**
 * `npm run bench`: the whole system under bounded load, one scenario after another, and
 * docs/BENCHMARKS.md written from what was measured.
 *
 *   npx tsx bench/suite/run.ts [--quick] [--users=10000] [--seconds=20] [--pg-url=postgres://…]
 *                              [--scale-users=1000000 | --no-scale]
 *
 * Starts a fresh embedded PostgreSQL (fsync on) or uses --pg-url (a role that may create
 * databases), starts the four services as `npm start` does and times it, creates 50 quests, signs
 * up the users through the API (the signup scenario), then runs login, single events (gateway and
 * direct), batch events, GET /me/quests (gateway and direct), claim and the admin quest list with
 * autocannon on loopback, the live stream's latency with min(1,000, users) streams open
 * (stream-scenario.ts), the CPU of events that pay against events that do not (paying-scenario.ts), and pgbench on the same PostgreSQL as the ceiling of one event per
 * transaction. Then the scale phase (scale-scenario.ts), for the issue's goal "1,000,000 users and
 * 500 quests ÷ 10,000 users and 50 quests": single events and GET /me/quests through the gateway
 * once more on the small data (the reference), quests added through the admin API up to 500 over 50
 * event types, users seeded straight into the databases up to 1,000,000 (4 states and events each
 * for 80 % of them), and the same two scenarios on that data. It adds about 5 minutes to a full run
 * on 2 cores (measured once: 448 quests 7 s, 990,000 users seeded in 161 s + VACUUM 6 s, four
 * 20 s scenarios, token warm-up and settling). --scale-users=N seeds up to N users instead;
 * --no-scale skips the phase. --quick (500 users, 4 s per scenario, scale phase at 20,000 users)
 * finishes in about 3.5 minutes and writes its report to .data/bench/quick.md instead of docs/. --cpu-prof=<service>
 * profiles one service; --pg-statements prints PostgreSQL's busiest statements per scenario; --render-only renders the report again from the figures of the last run.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, takeOverShutdownSignals, type ServiceName } from '@questline/devstack';
import { runMigrations } from '../../services/progress/src/db/migrations.js';
import { outboxBacklog, rewardLag, webhookBacklog, type LagStats } from '../progress/lag.js';
import { findPgbench, runPgbench, type PgbenchResult } from '../progress/pgbench.js';
import { pgVersion } from '../shared/machine.js';
import { CLAIM_QUEST, EVENT_TYPES, PLAYER_EVENT_TYPES, completeClaimQuest, createEventsKey, createQuests, mintTokens, questListReads, readEveryList } from './data.js';
import { measureWebhooks, WEBHOOK_SCENARIO, type WebhookReport } from './webhook-scenario.js';
import { NON_PAYING_SCENARIO, PAYING_SCENARIO, measurePaying, type PayingReport } from './paying-scenario.js';
import { STREAM_SCENARIO, measureLiveStream, type LiveStreamReport } from './stream-scenario.js';
import { runScenario, type Scenario, type ScenarioResult } from './load.js';
import { render, type SuiteReport } from './report.js';
import { rssNow, startSystem, type Rss, type System } from './system.js';
import { assembleBenchmarks } from './assemble.js';
import { describeScaleRatios, measureScale, scaleQuestsName, scaleSingleName, type ScaleReport } from './scale-scenario.js';
import { describePgStatements, resetPgStatements } from '../shared/pg-statements.js';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const opt = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=').slice(1).join('=');
const USERS = Number(opt('users') ?? (QUICK ? 500 : 10_000));
const SECONDS = Number(opt('seconds') ?? (QUICK ? 4 : 20));
const PG_URL = opt('pg-url');
/** --cpu-prof=progress: that service writes a V8 CPU profile to .data/bench/profiles/ when the run ends. */
const CPU_PROF = opt('cpu-prof') as ServiceName | undefined;
/** --node-flags="--max-semi-space-size=8 …": extra Node flags for every service. */
const NODE_FLAGS = opt('node-flags')?.split(' ').filter(Boolean) ?? [];
/** --pg-statements: after each scenario, the statements PostgreSQL spent most time on (pg_stat_statements). */
const PG_STATEMENTS = argv.includes('--pg-statements');
if (PG_STATEMENTS && PG_URL) {
  process.stderr.write('--pg-statements preloads pg_stat_statements in the embedded server; it cannot be combined with --pg-url\n');
  process.exit(2);
}
/** --only=batch,GET: just the scenarios whose names start so (and signup); prints figures, writes no report. */
const ONLY = opt('only')?.split(',').filter(Boolean) ?? [];
const BATCH_CONNECTIONS = Number(opt('batch-connections') ?? 4);
/** --stream-rate=50: probe events per second in the stream latency scenario. */
const STREAM_RATE = Number(opt('stream-rate') ?? 50);
/** --scale-users=N: the scale phase seeds users up to N (1,000,000; 20,000 with --quick); --no-scale skips it. */
const SCALE_USERS = Number(opt('scale-users') ?? (QUICK ? 20_000 : 1_000_000));
const NO_SCALE = argv.includes('--no-scale');
const PASSWORD = 'bench-password-123';

const t0 = performance.now();
const log = (line: string) => process.stdout.write(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;

async function drainOutbox(sys: System, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await outboxBacklog(sys.databases.progress)) > 0) {
    if (Date.now() > deadline) throw new Error('the grant outbox did not drain');
    await pause(250);
  }
}

/** One event of the mix the load sends: mostly counts, some spends with a value; servers send logins too. */
function randomEvent(types: readonly string[] = EVENT_TYPES): Record<string, unknown> {
  const type = pick(types);
  if (type === 'spend') return { type, value: 1 + Math.floor(Math.random() * 50), attributes: { shop: Math.random() < 0.5 ? 'main' : 'side' } };
  return { type };
}

/** --render-only: docs/benchmarks/suite.md (and BENCHMARKS.md) again from suite.json, with the current notes. */
async function renderOnly() {
  const json = path.join(repoRoot, QUICK ? '.data/bench/quick.json' : 'docs/benchmarks/suite.json');
  const report = JSON.parse(await readFile(json, 'utf8')) as SuiteReport;
  await writeFile(json.replace(/\.json$/, '.md'), render(report));
  if (!QUICK) await assembleBenchmarks();
  process.stdout.write(`rendered ${path.relative(repoRoot, json.replace(/\.json$/, '.md'))} from ${path.relative(repoRoot, json)}\n`);
}

async function main() {
  const baseDir = await mkdtemp(path.join(os.tmpdir(), 'questline-bench-'));
  let sys: System | undefined;
  const cleanUp = async () => {
    await sys?.stop();
    await rm(baseDir, { recursive: true, force: true });
  };
  takeOverShutdownSignals(() => void cleanUp().finally(() => process.exit(130)));
  // Found (or installed) first: a missing pgbench must not end a run after minutes of load.
  const pgbenchTool = findPgbench(repoRoot);
  try {
    log(`mode ${QUICK ? 'quick' : 'full'}: ${USERS.toLocaleString('en-US')} users, ${SECONDS} s per timed scenario`);
    log(PG_URL ? 'using the PostgreSQL server given with --pg-url' : `starting a fresh embedded PostgreSQL in ${baseDir}`);
    sys = await startSystem({ baseDir, pgUrl: PG_URL, nodeFlags: NODE_FLAGS, pgStatements: PG_STATEMENTS, cpuProfile: CPU_PROF ? { service: CPU_PROF, dir: path.join(repoRoot, '.data/bench/profiles') } : undefined });
    const { stack } = sys;
    const postgresCpuMs = sys.postgresCpuMs.bind(sys);
    const gw = stack.urls.gateway;
    log(`services ready: first start ${(sys.startup.firstStartMs / 1000).toFixed(1)} s, restart ${(sys.startup.restartMs / 1000).toFixed(1)} s`);
    await pause(3000);
    const idleRss = await rssNow(stack);
    log(`idle RSS (MB): ${Object.entries(idleRss).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);

    const { adminToken, published } = await createQuests(sys);
    log(`${published} quests published`);
    const results: ScenarioResult[] = [];
    // Signup always runs: it makes the users every other scenario needs.
    const selected = (name: string) => ONLY.length === 0 || name === 'signup' || ONLY.some((o) => name.startsWith(o));
    const pgUrl = sys.pgUrl;
    const timed = async (s: Scenario) => {
      if (PG_STATEMENTS) await resetPgStatements(pgUrl);
      const r = await runScenario(stack, s, log, postgresCpuMs);
      if (PG_STATEMENTS) for (const line of await describePgStatements(pgUrl, r.requests)) log(line);
      return r;
    };
    const measure = async (s: Scenario) => {
      if (selected(s.name)) results.push(await timed(s));
    };

    // Signup creates the data set's users, through the API, and is measured while it does.
    const runTag = Date.now().toString(36);
    const ids: string[] = [];
    let signups = 0;
    await measure({
      name: 'signup',
      url: `${gw}/api/v1/auth/signup`,
      method: 'POST',
      connections: 8,
      amount: USERS,
      next: () => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: `b${runTag}-${signups++}`, password: PASSWORD, timezone: 'UTC' }) }),
      onResponse: (status, body) => {
        if (status === 201) ids.push((JSON.parse(body) as { user: { id: string; username: string } }).user.id);
      },
    });
    if (ids.length !== USERS) throw new Error(`signup created ${ids.length} of ${USERS} users`);
    const usernames = Array.from({ length: signups }, (_, i) => `b${runTag}-${i}`);

    await measure({
      name: 'login',
      url: `${gw}/api/v1/auth/login`,
      method: 'POST',
      connections: 8,
      seconds: SECONDS,
      next: () => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: pick(usernames), password: PASSWORD }) }),
    });

    const tokens = await mintTokens(sys, { username: usernames[0]!, password: PASSWORD }, ids);
    log(`${tokens.length.toLocaleString('en-US')} access tokens signed`);
    const userRequest = (body?: unknown) => () => ({
      headers: { authorization: `Bearer ${pick(tokens)}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(typeof body === 'function' ? (body as () => unknown)() : body) } : {}),
    });

    const eventsFrom = new Date();
    const playerEvent = () => randomEvent(PLAYER_EVENT_TYPES);
    for (const [name, base] of [['single events (gateway)', gw], ['single events (direct to progress)', stack.urls.progress]] as const) {
      await measure({ name, url: `${base}/api/v1/events`, method: 'POST', connections: 32, seconds: SECONDS, next: userRequest(playerEvent) });
    }
    // The same events sent by a product's server with an API key (verified at the gateway, then
    // in progress, each through its 2 s cache): beside the token scenario above, in the same run.
    const eventsKey = await createEventsKey(sys, adminToken);
    await measure({
      name: 'single events (gateway, API key)',
      url: `${gw}/api/v1/events`,
      method: 'POST',
      connections: 32,
      seconds: SECONDS,
      next: () => ({ headers: { authorization: `Bearer ${eventsKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ userId: pick(ids), ...playerEvent() }) }),
    });
    const eventsTo = new Date();
    await drainOutbox(sys);

    // The players' events again, with a webhook endpoint subscribed to completions and rewards,
    // alternated with the same load and the endpoint disabled (webhook-scenario.ts): the cost of
    // webhooks to ingestion and how long after its cause a message reaches the receiver.
    let webhooks: WebhookReport | undefined;
    if (ONLY.length === 0 || ONLY.some((o) => WEBHOOK_SCENARIO.startsWith(o))) {
      const running = sys;
      const measured = await measureWebhooks({
        stack,
        gateway: gw,
        adminToken,
        seconds: SECONDS,
        load: { url: `${gw}/api/v1/events`, method: 'POST', connections: 32, next: userRequest(playerEvent) },
        settle: async () => {
          await drainOutbox(running);
          const deadline = Date.now() + 120_000;
          while ((await webhookBacklog(running.databases.progress, running.databases.auth)) > 0 && Date.now() < deadline) await pause(250);
        },
        log,
      });
      webhooks = measured.report;
      results.push(...measured.results);
    }

    // min(1,000, users) players watch their live streams while probe events for them are timed
    // from acceptance to the `quest` frame (stream-scenario.ts), alone and beside the event load.
    let stream: LiveStreamReport | undefined;
    if (ONLY.length === 0 || ONLY.some((o) => STREAM_SCENARIO.startsWith(o))) {
      const measured = await measureLiveStream({ stack, tokens, seconds: SECONDS, probeRate: STREAM_RATE, event: playerEvent, log });
      stream = measured.report;
      if (measured.background) results.push(measured.background);
      await drainOutbox(sys);
    }

    let batchNo = 0;
    const batchFrom = new Date();
    await measure({
      name: 'batch events (gateway, 1,000 per request)',
      url: `${gw}/api/v1/admin/events`,
      method: 'POST',
      connections: BATCH_CONNECTIONS,
      seconds: SECONDS,
      itemsPerRequest: 1000,
      next: () => {
        const k = batchNo++;
        const events = Array.from({ length: 1000 }, (_, i) => ({ id: `batch-${runTag}-${k}-${i}`, userId: pick(ids), ...randomEvent() }));
        return { headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` }, body: JSON.stringify({ events }) };
      },
    });
    const batchTo = new Date();
    log('waiting for the grant outbox to drain...');
    await drainOutbox(sys);

    log('every user reads their quest list once (not measured)...');
    await readEveryList(stack.urls.progress, tokens);
    const listReadsBefore = await questListReads(stack.urls.progress);
    for (const [name, base] of [['GET /me/quests (gateway)', gw], ['GET /me/quests (direct to progress)', stack.urls.progress]] as const) {
      await measure({ name, url: `${base}/api/v1/me/quests`, method: 'GET', connections: 32, seconds: SECONDS, next: userRequest() });
    }
    const listReadsAfter = await questListReads(stack.urls.progress);
    log(`GET /me/quests answered from the rendered copy: ${listReadsAfter.hit - listReadsBefore.hit}, rendered: ${listReadsAfter.rendered - listReadsBefore.rendered}`);

    if (ONLY.length === 0 || ONLY.some((o) => 'claim'.startsWith(o))) {
      log(`each user completes ${CLAIM_QUEST} once (admin batches, not measured)...`);
      await completeClaimQuest(sys, adminToken, ids);
    }
    let claimNo = 0;
    await measure({
      name: 'claim',
      url: `${gw}/api/v1/me/quests/${CLAIM_QUEST}/claim`,
      method: 'POST',
      connections: 16,
      amount: USERS,
      // Each user claims once: the quest pays one completion per user.
      next: () => ({ headers: { authorization: `Bearer ${tokens[claimNo++ % tokens.length]}` } }),
    });

    await measure({ name: 'admin quest list', url: `${gw}/api/v1/admin/quests?limit=50`, method: 'GET', connections: 16, seconds: SECONDS, next: () => ({ headers: { authorization: `Bearer ${adminToken}` } }) });

    // Last, so that its two quests do not change the others' data set.
    let paying: PayingReport | undefined;
    if (ONLY.length === 0 || ONLY.some((o) => PAYING_SCENARIO.startsWith(o) || NON_PAYING_SCENARIO.startsWith(o))) {
      const running = sys;
      const measured = await measurePaying({
        sys,
        adminToken,
        seconds: SECONDS,
        authorization: () => `Bearer ${pick(tokens)}`,
        settle: async () => {
          await drainOutbox(running);
          const deadline = Date.now() + 120_000;
          while ((await webhookBacklog(running.databases.progress, running.databases.auth)) > 0 && Date.now() < deadline) await pause(250);
        },
        run: timed,
        log,
      });
      paying = measured.report;
      results.push(...measured.results);
    }

    log('waiting for the grant outbox to drain...');
    await drainOutbox(sys);
    const autoClaimKeys = ['daily-login', ...(await autoClaimQuestKeys(gw))];
    const lag: { single: LagStats; batch: LagStats } = {
      single: await rewardLag(sys.databases.progress, sys.databases.auth, eventsFrom, eventsTo, autoClaimKeys),
      batch: await rewardLag(sys.databases.progress, sys.databases.auth, batchFrom, batchTo, autoClaimKeys),
    };
    let afterRss: Rss | undefined;
    let pgbench: PgbenchResult | undefined;
    if (ONLY.length === 0) {
      // Before the scale phase: the reference and the memory after the load on the others' data.
      await pause(3000);
      afterRss = await rssNow(stack);
      log(`pgbench: 32 clients, ${SECONDS} s...`);
      await runMigrations({ DATABASE_URL: sys.databases.pgbench });
      const postgresBefore = await sys.postgresCpuMs();
      pgbench = await runPgbench({ pgbench: pgbenchTool, dbUrl: sys.databases.pgbench, workDir: baseDir, clients: 32, seconds: SECONDS, users: USERS });
      pgbench.postgresCpuPerTx = (((await sys.postgresCpuMs()) - postgresBefore) * 1000) / pgbench.transactions;
      log(`  → ${Math.round(pgbench.tps).toLocaleString('en-US')} tx/s`);
    }

    // Last: it adds quests and a million users, which would change every other scenario's data set.
    let scale: ScaleReport | undefined;
    if (!NO_SCALE && (selected(scaleSingleName(SCALE_USERS)) || selected(scaleQuestsName(SCALE_USERS)))) {
      const running = sys;
      scale = await measureScale({
        sys,
        adminToken,
        users: SCALE_USERS,
        sample: tokens.length,
        seconds: SECONDS,
        login: { username: usernames[0]!, password: PASSWORD },
        small: { tokens, event: playerEvent },
        measure,
        settle: () => drainOutbox(running),
        log,
      });
      log(`scale ÷ small: ${describeScaleRatios(scale, results)}`);
    }

    if (ONLY.length > 0 || !afterRss || !pgbench) {
      // The CPU per request of each service, which the report would show: what --only compares.
      for (const r of results) log(`CPU µs/request ${r.name}: ${Object.entries(r.cpuPerRequest).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}, PostgreSQL ${(r.postgresCpuPerRequest ?? NaN).toFixed(0)}`);
      process.stdout.write(`reward lag: ${JSON.stringify(lag)}\n`);
      if (stream) process.stdout.write(`live stream: ${JSON.stringify(stream, null, 2)}\n`);
      if (paying) process.stdout.write(`paying events: ${JSON.stringify(paying)}\n`);
      if (scale) process.stdout.write(`scale: ${JSON.stringify(scale)}\n`);
      log('--only: no report written');
      return;
    }
    const report: SuiteReport = {
      date: new Date().toISOString(),
      command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
      quick: QUICK,
      users: USERS,
      seconds: SECONDS,
      quests: published,
      pgVersion: await pgVersion(sys.pgUrl),
      embedded: !PG_URL,
      startup: sys.startup,
      rss: { idle: idleRss, after: afterRss },
      results,
      lag,
      ...(webhooks ? { webhooks } : {}),
      ...(stream ? { stream } : {}),
      ...(paying ? { paying } : {}),
      ...(scale ? { scale } : {}),
      pgbench,
      wallSeconds: (performance.now() - t0) / 1000,
    };
    const out = QUICK ? path.join(repoRoot, '.data/bench/quick.md') : path.join(repoRoot, 'docs/benchmarks/suite.md');
    await mkdir(path.dirname(out), { recursive: true });
    // The figures are kept as JSON too, so that the report can be rendered again (--render-only)
    // after its hand-written notes change, without measuring again.
    await writeFile(out.replace(/\.md$/, '.json'), `${JSON.stringify(report, null, 2)}\n`);
    const text = render(report);
    await writeFile(out, text);
    if (!QUICK) await assembleBenchmarks();
    process.stdout.write(`\n${text}\n`);
    log(`wrote ${path.relative(repoRoot, out)}${QUICK ? '' : ' and docs/BENCHMARKS.md'}`);
  } finally {
    await cleanUp();
  }
}

async function autoClaimQuestKeys(gw: string): Promise<string[]> {
  const res = (await (await fetch(`${gw}/api/v1/quests?limit=200`)).json()) as { items: Array<{ key: string; autoClaim: boolean }> };
  return res.items.filter((q) => q.autoClaim).map((q) => q.key);
}

if (argv.includes('--render-only')) await renderOnly();
else await main();
