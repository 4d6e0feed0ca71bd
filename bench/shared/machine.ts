/** What every benchmark report says about where it ran: one description, one PostgreSQL version query. */
import os from 'node:os';
import { query } from './pg-client.js';

export function describeMachine(): string {
  return `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

export async function pgVersion(url: string): Promise<string> {
  const [row] = await query<{ server_version: string }>(url, 'SHOW server_version');
  return String(row!.server_version);
}
