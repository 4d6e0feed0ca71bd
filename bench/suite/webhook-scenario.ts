/**
 * The "webhooks on" scenario (issue 14): the single-event load with one endpoint subscribed to
 * `quest.completed` and `reward.granted` (a loopback receiver, webhook-sink.ts), against the same
 * load with that endpoint disabled, in half-length runs off/on/on/off on the same data (each side
 * as often early as late, so that a steady drift — the data growing, quests maxing out — cancels).
 * The ratio compares neighbours: the reference single-event scenario runs minutes earlier on a
 * smaller data set, and on a shared machine two runs far apart differ by more than the 10 % the
 * goal allows.
 */
import type { Stack } from '@questline/devstack';
import { call } from './data.js';
import { runScenario, type Scenario, type ScenarioResult } from './load.js';
import { startWebhookSink, type WebhookLatency } from './webhook-sink.js';

export const WEBHOOK_SCENARIO = 'single events (gateway, webhooks on)';

export type WebhookReport = WebhookLatency & {
  /** Events/s with the endpoint disabled and enabled, each the mean of its two half-length runs. */
  withoutEventsPerSecond: number;
  withEventsPerSecond: number;
  /** The runs in order: off, on, on, off (events/s). */
  alternation?: { enabled: boolean; eventsPerSecond: number }[];
};

export interface WebhookScenarioOptions {
  stack: Stack;
  gateway: string;
  adminToken: string;
  seconds: number;
  /** The single-event load: its URL, method and request maker are reused as they are. */
  load: Omit<Scenario, 'name' | 'seconds'>;
  /** Waits until the grant and webhook outboxes are empty (between runs and at the end). */
  settle: () => Promise<void>;
  log: (line: string) => void;
}

export async function measureWebhooks(o: WebhookScenarioOptions): Promise<{ report: WebhookReport; results: ScenarioResult[] }> {
  const sink = await startWebhookSink();
  const hook = await call(o.gateway, 'POST', '/api/v1/admin/webhooks', { url: sink.url, events: ['quest.completed', 'reward.granted'] }, o.adminToken);
  const id = hook.webhook.id as string;
  const runs: { enabled: boolean; result: ScenarioResult }[] = [];
  try {
    for (const enabled of [false, true, true, false]) {
      await call(o.gateway, 'PATCH', `/api/v1/admin/webhooks/${id}`, { enabled }, o.adminToken);
      const name = enabled ? WEBHOOK_SCENARIO : 'single events (gateway, webhooks off)';
      const result = await runScenario(o.stack, { ...o.load, name, seconds: Math.max(1, Math.round(o.seconds / 2)) }, o.log);
      runs.push({ enabled, result });
      await o.settle();
    }
  } finally {
    await call(o.gateway, 'DELETE', `/api/v1/admin/webhooks/${id}`, undefined, o.adminToken).catch(() => undefined);
    await sink.close();
  }
  const mean = (enabled: boolean) => {
    const xs = runs.filter((r) => r.enabled === enabled).map((r) => r.result.throughput);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  const report: WebhookReport = {
    ...sink.latency(),
    withoutEventsPerSecond: mean(false),
    withEventsPerSecond: mean(true),
    alternation: runs.map((r) => ({ enabled: r.enabled, eventsPerSecond: r.result.throughput })),
  };
  o.log(`webhooks: ${report.messages} messages, cause → receiver p50 ${report.p50} ms, p99 ${report.p99} ms; ${Math.round(report.withEventsPerSecond)} vs ${Math.round(report.withoutEventsPerSecond)} events/s`);
  // The report's tables keep one row per scenario name: the first run of each.
  return { report, results: runs.slice(0, 2).map((r) => r.result) };
}
