/**
 * `npm run bench:syscalls`: the system calls one single event costs in each of our processes and in
 * PostgreSQL, next to what one pgbench transaction costs in PostgreSQL, and what one loopback TCP
 * round trip costs on this machine — how much of the single-event path's CPU the kernel can explain.
 *
 *   npx tsx bench/suite/syscalls.ts [--users=200] [--seconds=6]
 *
 * Starts the system as `npm run bench` does, signs up the users, then sends single events through
 * the gateway while `strace -c -f` counts the calls of the gateway, of progress and of progress's
 * PostgreSQL backends; then pgbench's one-event transaction while strace counts the backends it
 * starts (pgbench's own client, in C, is not counted). Tracing slows everything many times over: only the counts per event mean
 * anything, not the rates. Writes docs/benchmarks/syscalls.md. Installs strace (Debian) if missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, takeOverShutdownSignals } from '@questline/devstack';
import { runMigrations } from '../../services/progress/src/db/migrations.js';
import { findPgbench, runPgbench } from '../progress/pgbench.js';
import { query } from '../shared/pg-client.js';
import { cpuMs, procTimes } from '../shared/proc.js';
import { PLAYER_EVENT_TYPES, call, createQuests, mintTokens } from './data.js';
import { runScenario } from './load.js';
import { startSystem, type System } from './system.js';

const opt = (name: string) => process.argv.slice(2).find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const USERS = Number(opt('users') ?? 200);
const SECONDS = Number(opt('seconds') ?? 6);
const PASSWORD = 'bench-password-123';
const log = (line: string) => process.stdout.write(`${line}\n`);

type Counts = Map<string, number>;

/** strace -c -f on these pids until stopped; resolves with calls per system call. */
function traceCalls(pids: number[], followForks = true): { stop(): Promise<Counts> } {
  const args = ['-c', '-U', 'calls,name', ...(followForks ? ['-f'] : []), ...pids.flatMap((p) => ['-p', String(p)])];
  const child: ChildProcess = spawn('strace', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    async stop() {
      child.kill('SIGINT');
      await exited;
      const counts: Counts = new Map();
      for (const line of out.split('\n')) {
        const m = /^\s*(\d+)\s+([a-z_0-9]+)\s*$/.exec(line);
        if (m && m[2] !== 'total') counts.set(m[2]!, Number(m[1]));
      }
      return counts;
    },
  };
}

const GROUPS: Array<[string, RegExp]> = [
  ['socket writes', /^(write|writev|sendto|sendmsg|pwrite64)$/],
  ['socket reads', /^(read|readv|recvfrom|recvmsg)$/],
  ['waits (epoll, poll, futex)', /^(epoll_wait|epoll_pwait|epoll_pwait2|poll|ppoll|select|pselect6|futex)$/],
];

function grouped(counts: Counts, per: number): Record<string, number> {
  const out: Record<string, number> = {};
  let total = 0;
  for (const [name, n] of counts) {
    const group = GROUPS.find(([, re]) => re.test(name))?.[0] ?? 'other';
    out[group] = (out[group] ?? 0) + n / per;
    total += n / per;
  }
  out.total = total;
  return out;
}

async function backendPids(dbUrl: string): Promise<number[]> {
  const db = new URL(dbUrl).pathname.slice(1);
  const rows = await query<{ pid: number }>(dbUrl, 'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db]);
  return rows.map((r) => r.pid);
}

async function signUp(sys: System): Promise<string[]> {
  const gw = sys.stack.urls.gateway;
  const tag = Date.now().toString(36);
  const ids: string[] = [];
  for (let i = 0; i < USERS; i += 8) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(8, USERS - i) }, (_, k) => call(gw, 'POST', '/api/v1/auth/signup', { username: `s${tag}-${i + k}`, password: PASSWORD, timezone: 'UTC' })),
    );
    for (const res of batch) ids.push((res as { user: { id: string } }).user.id);
  }
  return mintTokens(sys, { username: `s${tag}-0`, password: PASSWORD }, ids);
}

async function main(): Promise<void> {
  if (spawnSync('strace', ['-V']).status !== 0) spawnSync('bash', [path.join(repoRoot, 'scripts/ensure-debian-package.sh'), 'strace', 'strace', 'bench:syscalls'], { stdio: 'inherit' });
  if (spawnSync('strace', ['-V']).status !== 0) throw new Error('strace is missing and could not be installed: apt-get install strace');
  // Measured with the cores idle and with them kept busy: a wake-up costs more when it must wake a
  // halted CPU (on this VM, many times more), and under load the cores are partly busy.
  const roundTripUs = { idle: await loopbackRoundTripUs(), busy: await withCoresBusy(() => loopbackRoundTripUs()) };
  const pgbenchTool = findPgbench(repoRoot);
  const baseDir = await mkdtemp(path.join(os.tmpdir(), 'questline-syscalls-'));
  const sys = await startSystem({ baseDir });
  takeOverShutdownSignals(async () => {
    await sys.stop();
  });
  try {
    await createQuests(sys);
    const tokens = await signUp(sys);
    const gw = sys.stack.urls.gateway;
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;
    const next = () => ({ headers: { authorization: `Bearer ${pick(tokens)}`, 'content-type': 'application/json' }, body: JSON.stringify({ type: pick(PLAYER_EVENT_TYPES) }) });
    const scenario = (seconds: number) => ({ name: 'single events (gateway)', url: `${gw}/api/v1/events`, method: 'POST' as const, connections: 32, seconds, next });
    log('warm-up...');
    await runScenario(sys.stack, scenario(3), log);

    const traces = {
      gateway: traceCalls([sys.stack.services.gateway.child.pid!]),
      progress: traceCalls([sys.stack.services.progress.child.pid!]),
      'PostgreSQL (progress)': traceCalls(await backendPids(sys.databases.progress), false),
    };
    await new Promise((r) => setTimeout(r, 1000));
    const events = await runScenario(sys.stack, scenario(SECONDS), log);
    const ours: Record<string, Record<string, number>> = {};
    for (const [name, t] of Object.entries(traces)) ours[name] = grouped(await t.stop(), events.requests);

    log('pgbench...');
    await runMigrations({ DATABASE_URL: sys.databases.pgbench });
    // The backends' parent: strace follows the backends it forks for pgbench's connections.
    const [someBackend] = await backendPids(sys.databases.progress);
    const postmaster = (await procTimes(someBackend))!.ppid;
    const pgTrace = traceCalls([postmaster]);
    await new Promise((r) => setTimeout(r, 1000));
    const bench = await runPgbench({ pgbench: pgbenchTool, dbUrl: sys.databases.pgbench, workDir: baseDir, clients: 32, seconds: SECONDS, users: USERS });
    const pgbenchCalls = grouped(await pgTrace.stop(), bench.transactions);

    await writeFile(path.join(repoRoot, 'docs/benchmarks/syscalls.md'), report(ours, pgbenchCalls, events.requests, bench.transactions, roundTripUs));
    log('docs/benchmarks/syscalls.md written');
  } finally {
    await sys.stop();
    await rm(baseDir, { recursive: true, force: true });
  }
}

// Keeps one core busy (plain Node, no loader) until killed.
const SPINNER = 'for (;;) {}';

/** Runs `f` while one process per core but one spins: the measured pair then finds the cores awake. */
async function withCoresBusy<T>(f: () => Promise<T>): Promise<T> {
  const spinners = Array.from({ length: Math.max(1, os.cpus().length - 1) }, () => spawn(process.execPath, ['-e', SPINNER], { stdio: 'ignore' }));
  try {
    await new Promise((r) => setTimeout(r, 200));
    return await f();
  } finally {
    for (const s of spinners) s.kill('SIGKILL');
  }
}

// An echo server in a process of its own (plain Node, no loader): it prints its port.
const ECHO_SERVER = "const s=require('net').createServer(c=>c.on('data',d=>c.write(d))).listen(0,'127.0.0.1',()=>console.log(s.address().port))";

/**
 * CPU (user + system) of both ends of one 100-byte loopback TCP round trip between two processes:
 * two writes, two reads, the waits and the wake-ups across processes — what a system call costs
 * here, for scale.
 */
async function loopbackRoundTripUs(trips = 20_000): Promise<number> {
  const echo = spawn(process.execPath, ['-e', ECHO_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => echo.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  const echoCpuUs = async () => (await cpuMs(echo.pid)) * 1000;
  const payload = Buffer.alloc(100);
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let echoStart = 0;
  const cpu = await new Promise<NodeJS.CpuUsage>((resolve) => {
    let n = 0;
    let start = process.cpuUsage();
    socket.on('data', () => {
      n++;
      if (n === 1000) {
        start = process.cpuUsage();
        void echoCpuUs().then((us) => (echoStart = us));
      }
      if (n === trips + 1000) return resolve(process.cpuUsage(start));
      socket.write(payload);
    });
    socket.write(payload);
  });
  const echoUs = (await echoCpuUs()) - echoStart;
  socket.destroy();
  echo.kill();
  return (cpu.user + cpu.system + echoUs) / trips;
}

function report(ours: Record<string, Record<string, number>>, pgbenchCalls: Record<string, number>, events: number, transactions: number, roundTripUs: { idle: number; busy: number }): string {
  const columns = [...GROUPS.map(([g]) => g), 'other', 'total'];
  const row = (name: string, c: Record<string, number>) => `| ${name} | ${columns.map((g) => (c[g] ?? 0).toFixed(1)).join(' | ')} |`;
  const sum: Record<string, number> = {};
  for (const c of Object.values(ours)) for (const g of columns) sum[g] = (sum[g] ?? 0) + (c[g] ?? 0);
  return [
    '# System calls per event',
    '',
    `- command: \`npm run bench:syscalls\` (\`npx tsx bench/suite/syscalls.ts --users=${USERS} --seconds=${SECONDS}\`), ${new Date().toISOString()}, ${os.cpus().length} cores`,
    `- ${events.toLocaleString('en-US')} single events through the gateway (32 connections, random player event types over the suite's 50 quests) and ${transactions.toLocaleString('en-US')} pgbench one-event transactions (\`-M prepared\`, the suite's script), each counted by \`strace -c\`; tracing slows both many times over, so only counts per event are shown.`,
    '',
    '| calls per event | ' + columns.join(' | ') + ' |',
    '|---|' + columns.map(() => '---:').join('|') + '|',
    ...Object.entries(ours).map(([name, c]) => row(name, c)),
    row('**all of ours**', sum),
    row("pgbench's backends, per transaction", pgbenchCalls),
    '',
    `One 100-byte loopback TCP round trip between two Node processes (two writes, two reads, the waits and wake-ups; both ends' CPU) costs ${roundTripUs.idle.toFixed(1)} µs here with the other cores idle and ${roundTripUs.busy.toFixed(1)} µs with them kept busy: waking a halted CPU is what costs. A round trip is about six calls (two writes, two reads, two waits), so the ~${sum.total!.toFixed(0)} calls of one event explain between ~${((sum.total! / 6) * roundTripUs.busy).toFixed(0)} and ~${((sum.total! / 6) * roundTripUs.idle).toFixed(0)} µs of its CPU, depending on how often a call finds the other core asleep; the rest is the work done between them (HTTP parsing and routing, JSON, the pg driver, Kysely, the domain, GC). While traced the system runs far slower, so its group commits are smaller than under real load and progress's and PostgreSQL's calls per event are upper bounds.`,
    '',
  ].join('\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
