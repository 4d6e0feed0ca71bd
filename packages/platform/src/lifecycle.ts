import type { FastifyInstance } from 'fastify';

export interface ServeOptions {
  port: number;
  host: string;
  /** How long in-flight requests may take to finish after SIGTERM before the process gives up. */
  drainTimeoutMs?: number;
}

/**
 * Listens and handles SIGTERM/SIGINT: stop accepting, let in-flight requests finish
 * (app.close), run the app's onClose hooks (which close pools and workers), then exit.
 */
export async function serve(app: FastifyInstance, opts: ServeOptions): Promise<void> {
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'draining');
    const timer = setTimeout(() => {
      app.log.error('drain timed out; exiting');
      process.exit(1);
    }, opts.drainTimeoutMs ?? 10_000);
    timer.unref();
    try {
      await app.close();
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
