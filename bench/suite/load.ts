/**
 * One bounded load scenario with autocannon: a fixed duration or a fixed number of requests,
 * progress printed every few seconds, every response's latency kept (autocannon's own summary has
 * no p95), and the services' peak RSS sampled while it runs.
 */
import autocannon from 'autocannon';
import type { Stack } from '@questline/devstack';
import { SERVICE_NAMES, cpuNow, rssSampler, type Rss } from './system.js';

export interface ScenarioResult {
  name: string;
  /** What was run, in words a reader can repeat: method, path, connections, bound. */
  description: string;
  requests: number;
  /** Items per request: events in a batch, 1 otherwise. */
  itemsPerRequest: number;
  seconds: number;
  throughput: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Non-2xx answers, socket errors and timeouts. */
  errors: number;
  statuses: Record<string, number>;
  peakRss: Rss;
  /** CPU time each service used per request during the scenario, in µs. */
  cpuPerRequest: Rss;
  /** CPU time PostgreSQL (postmaster and backends) used per request, in µs; NaN or absent where not measured. */
  postgresCpuPerRequest?: number;
}

export interface Scenario {
  name: string;
  url: string;
  method: 'GET' | 'POST';
  connections: number;
  /** Bounded by time... */
  seconds?: number;
  /** ...or by a number of requests. */
  amount?: number;
  itemsPerRequest?: number;
  /** Headers and body of each request (called once per request). */
  next: () => { headers: Record<string, string>; body?: string; path?: string };
  onResponse?: (status: number, body: string) => void;
  /** Awaited after the load and before the CPU is read: work the load left behind (an outbox) counts to it. */
  settle?: () => Promise<void>;
}

const percentile = (sorted: Float64Array, p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN);

/** `postgresCpuMs`: the database server's CPU so far (System.postgresCpuMs), to count its share per request too. */
export async function runScenario(stack: Stack, s: Scenario, log: (line: string) => void, postgresCpuMs?: () => Promise<number>): Promise<ScenarioResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const sampler = rssSampler(stack);
  const cpuBefore = await cpuNow(stack);
  const postgresBefore = (await postgresCpuMs?.()) ?? NaN;
  const bound = s.amount !== undefined ? `${s.amount.toLocaleString('en-US')} requests` : `${s.seconds} s`;
  log(`${s.name}: ${s.method} ${new URL(s.url).pathname}, ${s.connections} connections, ${bound}`);
  const started = performance.now();
  let finish!: (r: { err?: Error; result?: autocannon.Result }) => void;
  const done = new Promise<{ err?: Error; result?: autocannon.Result }>((resolve) => (finish = resolve));
  const instance = autocannon({
    url: s.url,
    connections: s.connections,
    pipelining: 1,
    timeout: 60,
    ...(s.amount !== undefined ? { amount: s.amount } : { duration: s.seconds ?? 10 }),
    requests: [
      {
        method: s.method,
        setupRequest: (req) => {
          const n = s.next();
          return { ...req, headers: n.headers, ...(n.body !== undefined ? { body: n.body } : {}), ...(n.path ? { path: n.path } : {}) };
        },
        ...(s.onResponse ? { onResponse: (status: number, body: string) => s.onResponse!(status, body) } : {}),
      },
    ],
  }, (err, result) => finish({ err: err ?? undefined, result }));
  // The run ends at the last answer: autocannon itself stops a bounded-count run at its next 1 s tick.
  let lastAnswer = started;
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    lastAnswer = performance.now();
    latencies.push(responseTime);
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  });
  const ticker = setInterval(() => {
    const elapsed = (performance.now() - started) / 1000;
    const of = s.amount !== undefined ? `${latencies.length.toLocaleString('en-US')}/${s.amount.toLocaleString('en-US')} requests` : `${latencies.length.toLocaleString('en-US')} requests`;
    log(`  ${s.name}: ${elapsed.toFixed(0)} s, ${of}`);
  }, 5000);
  const outcome = await done;
  clearInterval(ticker);
  sampler.stop();
  if (outcome.err || !outcome.result) throw outcome.err ?? new Error(`${s.name}: autocannon gave no result`);
  const result = outcome.result;
  await s.settle?.();
  const cpuAfter = await cpuNow(stack);
  const postgresAfter = (await postgresCpuMs?.()) ?? NaN;
  const cpuPerRequest = Object.fromEntries(SERVICE_NAMES.map((n) => [n, ((cpuAfter[n] - cpuBefore[n]) * 1000) / Math.max(1, latencies.length)])) as Rss;
  const seconds = (lastAnswer - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  const items = s.itemsPerRequest ?? 1;
  const ok = result['2xx'];
  const out: ScenarioResult = {
    name: s.name,
    description: `${s.method} ${new URL(s.url).pathname}, ${s.connections} connections, ${bound}`,
    requests: result.requests.total,
    itemsPerRequest: items,
    seconds,
    throughput: (ok * items) / seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    errors: result.non2xx + result.errors + result.timeouts,
    statuses,
    peakRss: sampler.peak(),
    cpuPerRequest,
    postgresCpuPerRequest: ((postgresAfter - postgresBefore) * 1000) / Math.max(1, latencies.length),
  };
  log(`  → ${Math.round(out.throughput).toLocaleString('en-US')}/s, p50 ${out.p50.toFixed(1)} ms, p95 ${out.p95.toFixed(1)} ms, p99 ${out.p99.toFixed(1)} ms, errors ${out.errors}`);
  return out;
}
