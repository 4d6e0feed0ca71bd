import pg from 'pg';
import { describeStartupFailure } from '@questline/platform';

/**
 * Connects once to a database a service is about to use. Each service would fail on it too, but
 * deep in its start-up; said here, the console names the service, the URL (password redacted) and
 * the reason, in the words the service itself would use (platform's describeStartupFailure):
 * "catalog: cannot connect to postgres://u@db:5432/catalog: ECONNREFUSED".
 */
export async function probeDatabase(service: string, url: string, timeoutMs = 5000): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  // A server that drops the connection later must not crash the caller through an 'error' event.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new Error(describeStartupFailure(service, err, url), { cause: err });
  } finally {
    await client.end().catch(() => undefined);
  }
}
