import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, existsSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inheritedEnv } from './config.js';
import { fileSize, LineTail, portInUseFrom, readLinesFrom, startupCause } from './startup-cause.js';

export const SERVICES = ['auth', 'catalog', 'progress', 'gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ServiceProcess {
  name: ServiceName;
  url: string;
  port: number;
  child: ChildProcess;
  /** Why it died, from the last lines it wrote (see startup-cause.ts); empty while it says nothing. */
  cause(): string[];
  /** The file it logs to (its LOG_FILE): `<logDir>/<name>.log`. */
  logFile: string;
  exited: Promise<number | null>;
  /** SIGTERM (graceful drain) by default; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * How a service runs: `source` is services/<name>/src/server.ts through tsx (tests, development);
 * `bundle` is services/<name>/dist/server.mjs with plain Node, as `npm start` and the images run it
 * (scripts/build-services.ts makes it).
 */
export type ServiceRuntime = 'source' | 'bundle';

/**
 * Node flags of a bundled service, here and in the images' CMD. V8 lets the young generation grow
 * to 16 MB semi-spaces and keeps them once start-up has grown them; small semi-spaces keep idle
 * memory down at no measurable cost in throughput (docs/BENCHMARKS.md, memory).
 */
export const BUNDLE_NODE_FLAGS = ['--max-semi-space-size=4'];

/**
 * Runs one service in its own Node process, which writes its log itself: LOG_FILE is
 * `<logDir>/<name>.log` (platform's log-file.ts, asynchronous appends). Nothing of it crosses this
 * process on the way: every request's log line through a pipe and this process's event loop cost
 * CPU that the services, on a small machine, were short of. Its stdout is the same file, opened
 * for appending and handed over as the descriptor, for anything written outside the logger.
 * Stderr alone stays a pipe into the file: a service writes there only when it cannot start (its
 * one-line cause, an uncaught error, a config error before any logger exists), and those lines
 * must reach this process even when the file cannot be written.
 */
export async function spawnService(
  name: ServiceName,
  env: Record<string, string>,
  logDir: string,
  opts: { nodeArgs?: string[]; runtime?: ServiceRuntime } = {},
): Promise<ServiceProcess> {
  await mkdir(logDir, { recursive: true });
  const entry =
    opts.runtime === 'bundle'
      ? [path.join(repoRoot, 'services', name, 'dist', 'server.mjs')]
      : ['--import', 'tsx', path.join(repoRoot, 'services', name, 'src', 'server.ts')];
  if (opts.runtime === 'bundle' && !existsSync(entry.at(-1)!)) throw new Error(`${entry.at(-1)} is missing: run \`npx tsx scripts/build-services.ts\``);
  const logFile = path.join(logDir, `${name}.log`);
  // The file outlives a run (npm start appends across restarts): a cause is looked for only in
  // what this process wrote, from here on.
  const logStart = fileSize(logFile);
  const stdout = openSync(logFile, 'a');
  // The caller's flags come after the defaults, so that they win (V8 takes the last of a flag).
  const flags = [...(opts.runtime === 'bundle' ? BUNDLE_NODE_FLAGS : []), ...(opts.nodeArgs ?? [])];
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...flags, ...entry], {
      cwd: repoRoot,
      // Last, over the caller's: the file a cause is read from must be the one the service writes.
      env: { ...inheritedEnv, ...env, LOG_FILE: logFile },
      stdio: ['ignore', stdout, 'pipe'],
    });
  } finally {
    // The child has its own copy of the descriptor.
    closeSync(stdout);
  }
  const stderrLog = createWriteStream(logFile, { flags: 'a' });
  child.stderr?.pipe(stderrLog, { end: false });
  const stderrTail = new LineTail();
  child.stderr?.on('data', (d: Buffer) => stderrTail.push(d));
  // 'close', not 'exit': the last lines it wrote to stderr are read by then (and its log file
  // was flushed before it exited).
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  void exited.then(() => stderrLog.end());
  return {
    name,
    url: `http://127.0.0.1:${env.PORT}`,
    port: Number(env.PORT),
    child,
    logFile,
    cause: () => startupCause(stderrTail.all(), readLinesFrom(logFile, logStart)),
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      return child.exitCode;
    },
  };
}

/**
 * Why a service died before it was ready, as console lines: a port already taken is said by port
 * ("gateway: port 8080 is in use"), anything else is the cause it wrote (startup-cause.ts).
 */
export function startupFailure(proc: ServiceProcess): Error {
  const cause = proc.cause();
  if (portInUseFrom(cause) === proc.port) return new Error(`${proc.name}: port ${proc.port} is in use`);
  // A service may name itself in its cause already ("catalog: cannot connect to …").
  const own = (l: string) => (l.startsWith(`${proc.name}:`) ? l : `${proc.name}: ${l}`);
  const said = cause.length ? cause.map(own).join('\n') : `${proc.name}: said nothing (see its log)`;
  return new Error(`${proc.name} exited with code ${proc.child.exitCode ?? proc.child.signalCode} before it was ready:\n${said}`);
}

/**
 * Polls GET /readyz until this very process answers 200, the process exits, or the deadline passes.
 * "This very process": /readyz names the service and its pid, so another instance that already
 * listens on the port (where ours then cannot) is not mistaken for it.
 */
export async function waitReady(proc: ServiceProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (exited) throw startupFailure(proc);
    let body: { service?: unknown; pid?: unknown } | undefined;
    try {
      const res = await fetch(`${proc.url}/readyz`, { signal: AbortSignal.timeout(2000) });
      const text = await res.text();
      if (res.ok) body = JSON.parse(text) as typeof body;
      else last = `${res.status} ${text}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (body) {
      if (body.service === proc.name && body.pid === proc.child.pid) return;
      const other = typeof body.service === 'string' ? `another ${body.service}${typeof body.pid === 'number' ? ` (pid ${body.pid})` : ''}` : 'another process';
      throw new Error(`${proc.name}: port ${proc.port} is in use (${other} answers there)`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${proc.name} not ready after ${timeoutMs} ms: ${last}`);
}

// Below the kernel's ephemeral range (32768-60999 on Linux): a port handed out by bind(0) is also
// what outgoing connections draw from, and another test process may be given the same one between
// our check and the service's listen. Random picks from a range nothing else allocates make that
// race vanishingly rare.
const PORT_RANGE = { from: 15_000, to: 32_000 };

/** Whether a TCP port on 127.0.0.1 can be listened on now. */
export function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A free TCP port on 127.0.0.1, picked at random below the ephemeral range. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = PORT_RANGE.from + Math.floor(Math.random() * (PORT_RANGE.to - PORT_RANGE.from));
    if (await tryListen(port)) return port;
  }
  throw new Error(`no free port in ${PORT_RANGE.from}-${PORT_RANGE.to}`);
}
