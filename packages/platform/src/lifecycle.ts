import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import closeWithGrace from 'close-with-grace';
import { Type } from '@sinclair/typebox';
import { BaseConfig } from './base-config.js';
import { ConfigError, loadConfigOrExit } from './config.js';
import { migrateDatabase } from './migrate.js';
import { beginDrain } from './drain.js';
import { describeStartupFailure } from './startup-failure.js';
import { drainLogs, openLogFile } from './log-file.js';

/** The parsed config keys serve() needs (every service's config has them). */
export interface ServeConfig {
  PORT: number;
  HOST: string;
  SHUTDOWN_DELAY_MS: number;
  /** Where the process logs (log-file.ts); empty or absent: stdout. Opened by startService. */
  LOG_FILE?: string;
}

export interface ServeOptions {
  /** How long in-flight requests may take to finish after the pause before the process gives up. */
  drainTimeoutMs?: number;
}

/** close-with-grace listens to every terminating signal; ours are the two an orchestrator or a terminal sends. */
const IGNORED_EVENTS: closeWithGrace.AllEvents[] = ['SIGHUP', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGSEGV', 'SIGUSR2', 'beforeExit'];

function countResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/**
 * close-with-grace exits at once on any second signal. A second press of Ctrl-C should, but Ctrl-C
 * reaches every process of the terminal's group and `npm start` then sends each service SIGTERM
 * too, which would cut that service's close short. So once closing on one of SIGINT/SIGTERM, the
 * other is only logged; the same signal again still forces the exit, and the close stays bounded
 * by its timeout. In a service process nothing else listens to these two signals.
 */
function tolerateTheOtherSignal(app: FastifyInstance, first: string): void {
  const other = first === 'SIGINT' ? 'SIGTERM' : first === 'SIGTERM' ? 'SIGINT' : undefined;
  if (!other) return;
  process.removeAllListeners(other);
  process.on(other, () => app.log.info({ signal: other }, 'already closing'));
}

/**
 * Connections that have not sent a request yet. Node's closeIdleConnections() leaves them open (it
 * knows only connections that finished a request), yet clients open them: a browser's preconnect,
 * or undici replacing a connection whose streamed answer was aborted. One of them would hold a
 * shutdown's server.close() for the whole drain timeout.
 */
function trackUnusedConnections(server: Server) {
  const unused = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
  });
  server.on('request', (request: IncomingMessage) => unused.delete(request.socket));
  return {
    closeAll() {
      for (const socket of unused) socket.destroy();
      unused.clear();
    },
  };
}

/**
 * Listens, and closes with grace (the close-with-grace package) on SIGTERM/SIGINT and on an
 * uncaught exception or unhandled rejection.
 *
 * On a signal: first a pause of SHUTDOWN_DELAY_MS in which the service keeps serving but reports
 * not ready and closes each connection after its response (drain.ts), so that clients move to
 * other instances while the load balancer still sends traffic here; then stop accepting, let
 * in-flight requests finish (app.close), run the app's onClose hooks (which close pools and
 * workers), and exit 0. On a fatal error the same without the pause (a process in an unknown
 * state should not take new work), and exit 1. The whole close is bounded by the pause plus
 * drainTimeoutMs; the same signal again, or a second error, while closing exits at once.
 */
export async function serve(app: FastifyInstance, config: ServeConfig, opts: ServeOptions = {}): Promise<void> {
  const delayMs = config.SHUTDOWN_DELAY_MS;
  const drainTimeoutMs = opts.drainTimeoutMs ?? 10_000;
  const unused = trackUnusedConnections(app.server);
  closeWithGrace(
    {
      delay: delayMs + drainTimeoutMs,
      skip: IGNORED_EVENTS,
      logger: { error: (message: unknown) => app.log.error(message) },
      // What still held the close open (sockets, timers), for whoever reads why a pod took its whole grace period.
      onTimeout: () => app.log.error({ activeResources: countResources() }, 'drain timed out; exiting'),
      onSecondSignal: (signal) => app.log.warn({ signal }, 'second signal while closing; exiting now'),
      onSecondError: (err) => app.log.fatal({ err }, 'second fatal error while closing; exiting now'),
    },
    async ({ signal, err }) => {
      if (signal) tolerateTheOtherSignal(app, signal);
      beginDrain(app);
      if (err) {
        app.log.fatal({ err }, 'fatal error; closing');
        // The process is in an unknown state and may not live through its drain: the cause is on disk first.
        await drainLogs();
      }
      const pauseMs = err ? 0 : delayMs;
      app.log.info({ signal, delayMs: pauseMs }, 'draining');
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      // server.close() closes the connections idle at that moment only; one that goes idle later
      // (its response sent, the client keeping it alive) would hold the close open until its
      // keep-alive timeout, past the drain timeout. Sweep them while the close waits.
      const sweeper = setInterval(() => {
        app.server.closeIdleConnections();
        unused.closeAll();
      }, 100);
      sweeper.unref();
      try {
        await app.close();
      } finally {
        clearInterval(sweeper);
      }
      app.log.info('stopped');
      await drainLogs();
    },
  );
  await app.listen({ port: config.PORT, host: config.HOST });
}

/**
 * A service's entry point: opens its LOG_FILE, runs `start` (migrations, building the app) and
 * serves the app. Any failure before the service listens prints one line to stderr and exits
 * non-zero — 78 (EX_CONFIG) for a bad setting, 1 otherwise — instead of an unhandled rejection's
 * stack trace.
 */
export async function startService(
  service: string,
  config: ServeConfig & { DATABASE_URL?: string },
  start: () => Promise<FastifyInstance>,
): Promise<void> {
  try {
    // Before the app exists, so that its logger writes there from the first line (log-file.ts).
    await openLogFile(config.LOG_FILE ?? '');
    await serve(await start(), config);
  } catch (err) {
    await drainLogs();
    process.stderr.write(`${describeStartupFailure(service, err, config.DATABASE_URL)}\n`);
    process.exit(err instanceof ConfigError ? 78 : 1);
  }
}

/**
 * The `npm run migrate -w services/<name>` entry point. It needs only DATABASE_URL — not the
 * service's secrets — so a Kubernetes migration Job stays small; a failure exits non-zero.
 */
export async function runMigrateCli(service: string, dir: string): Promise<never> {
  const config = loadConfigOrExit(Type.Object({ DATABASE_URL: BaseConfig.DATABASE_URL }));
  try {
    const { applied } = await migrateDatabase(config.DATABASE_URL, dir);
    process.stdout.write(`${applied.length ? `${service}: applied ${applied.join(', ')}` : `${service}: database up to date`}\n`);
    process.exit(0);
  } catch (err) {
    process.stderr.write(`${describeStartupFailure(service, err, config.DATABASE_URL)}\n`);
    process.exit(1);
  }
}
