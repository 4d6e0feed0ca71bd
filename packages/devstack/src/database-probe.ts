import pg from 'pg';
import { redactUrls } from './startup-cause.js';

/**
 * Connects once to a database a service is about to use. Each service would fail on it too, but
 * deep in its start-up; said here, the console names the service, the URL (password redacted) and
 * the reason: "catalog: cannot connect to postgres://u:***@db:5432/catalog: ECONNREFUSED".
 */
export async function probeDatabase(service: string, url: string, timeoutMs = 5000): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  // A server that drops the connection later must not crash the caller through an 'error' event.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new Error(`${service}: cannot connect to ${redactUrls(url)}: ${describe(err)}`, { cause: err });
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The code and message of a connection error; an AggregateError (every address refused) by its parts. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & { code?: string; errors?: unknown[] };
  const message = e.message || (e.errors ?? []).map((x) => (x instanceof Error ? x.message : String(x))).join('; ');
  return e.code && /^E[A-Z]+$/.test(e.code) && !message.includes(e.code) ? `${e.code} ${message}`.trim() : redactUrls(message);
}
