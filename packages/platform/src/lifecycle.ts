import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { BaseConfig } from './base-config.js';
import { loadConfigOrExit } from './config.js';
import { migrateDatabase } from './migrate.js';
import { beginDrain } from './drain.js';

export interface ServeOptions {
  port: number;
  host: string;
  /** How long in-flight requests may take to finish after SIGTERM before the process gives up. */
  drainTimeoutMs?: number;
  /** The pause before the drain (default: SHUTDOWN_DELAY_MS from the environment). */
  shutdownDelayMs?: number;
}

/**
 * Listens and handles SIGTERM/SIGINT: first a pause of shutdownDelayMs in which the service keeps
 * serving but reports not ready and closes each connection after its response (drain.ts), so
 * that clients move to other instances while the load balancer still sends traffic here; then
 * stop accepting, let in-flight requests finish (app.close), run the app's onClose hooks (which
 * close pools and workers), and exit.
 */
export async function serve(app: FastifyInstance, opts: ServeOptions): Promise<void> {
  const delayMs =
    opts.shutdownDelayMs ?? loadConfigOrExit(Type.Object({ SHUTDOWN_DELAY_MS: BaseConfig.SHUTDOWN_DELAY_MS })).SHUTDOWN_DELAY_MS ?? 0;
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    beginDrain(app);
    app.log.info({ signal, delayMs }, 'draining');
    const timer = setTimeout(() => {
      app.log.error('drain timed out; exiting');
      process.exit(1);
    }, delayMs + (opts.drainTimeoutMs ?? 10_000));
    timer.unref();
    try {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      // server.close() closes the connections idle at that moment only; one that goes idle later
      // (its response sent, the client keeping it alive) would hold the close open until its
      // keep-alive timeout, past the drain timeout. Sweep them while the close waits.
      const sweeper = setInterval(() => app.server.closeIdleConnections(), 100);
      sweeper.unref();
      await app.close();
      clearInterval(sweeper);
      app.log.info('stopped');
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'error while closing');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  try {
    await app.listen({ port: opts.port, host: opts.host });
  } catch (err) {
    app.log.error({ err }, 'failed to start');
    process.exit(1);
  }
}

/** Entry point helper for `npm run migrate -w services/<name>`: exits non-zero when a migration fails. */
export async function runAndExit(task: () => Promise<string>): Promise<never> {
  try {
    const message = await task();
    process.stdout.write(`${message}\n`);
    process.exit(0);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
}

/**
 * The `npm run migrate -w services/<name>` entry point. It needs only DATABASE_URL — not the
 * service's secrets — so a Kubernetes migration Job stays small; a failure exits non-zero.
 */
export async function runMigrateCli(service: string, dir: string): Promise<never> {
  const config = loadConfigOrExit(Type.Object({ DATABASE_URL: BaseConfig.DATABASE_URL }));
  return runAndExit(async () => {
    const { applied } = await migrateDatabase(config.DATABASE_URL, dir);
    return applied.length ? `${service}: applied ${applied.join(', ')}` : `${service}: database up to date`;
  });
}
