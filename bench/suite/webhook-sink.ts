/**
 * The receiver of the webhook scenario: a plain HTTP server on loopback that answers 204 at once
 * and notes, per message, how long after its cause it arrived (quest.completed: the completion's
 * instant; reward.granted: the ledger entry's creation, both written by the services' clocks on
 * this same machine).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookLatency {
  messages: number;
  /** Distinct webhook-ids (a retried message arrives twice with one id). */
  distinct: number;
  p50: number;
  p99: number;
  max: number;
}

const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : Number.NaN);

export async function startWebhookSink() {
  const delays: number[] = [];
  const ids = new Set<string>();
  let received = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = Date.now();
      res.writeHead(204).end();
      received++;
      ids.add(String(req.headers['webhook-id']));
      const { type, data } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type: string; data: { completedAt?: string; entry?: { createdAt?: string } } };
      const cause = type === 'quest.completed' ? data.completedAt : type === 'reward.granted' ? data.entry?.createdAt : undefined;
      if (cause) delays.push(now - Date.parse(cause));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/questline`,
    received: () => received,
    latency(): WebhookLatency {
      const sorted = [...delays].sort((a, b) => a - b);
      return { messages: received, distinct: ids.size, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? Number.NaN };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
