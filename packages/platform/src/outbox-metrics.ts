import type { Gauge } from 'prom-client';
import type { Metrics } from './metrics.js';
import type { OutboxStats } from './outbox-store.js';
import { singleFlight } from './single-flight.js';

interface Increment {
  inc(value?: number): void;
}

export interface RelayCounters {
  attempts: Increment;
  delivered: Increment;
  failures: Increment;
  deadLettered: Increment;
}

export interface OutboxRelayMetrics {
  /** Adds a relay (its `relay` label) whose gauges are read from `stats` at scrape time. */
  register(relay: string, stats: () => Promise<OutboxStats>): RelayCounters;
}

/**
 * The outbox metrics of a service, one series per relay (`relay` label): call once per app. The
 * gauges come from the table at scrape time, so they are right after a restart and across replicas
 * (every replica reports the same table: dashboards take `max`).
 */
export function createOutboxRelayMetrics(metrics: Metrics): OutboxRelayMetrics {
  const sources = new Map<string, () => Promise<OutboxStats>>();
  // One query per relay serves the three gauges of a scrape (they are read in the same turn).
  const read = singleFlight(
    async () => {
      const out = new Map<string, OutboxStats>();
      for (const [relay, stats] of sources) {
        // A database hiccup must not break the whole scrape: that relay's gauges keep their values.
        const s = await stats().catch(() => undefined);
        if (s) out.set(relay, s);
      }
      return out;
    },
    { holdMs: 0 },
  );
  // Literal names in metrics.gauge(…) calls: deploy/tools/metrics-check.ts finds them there.
  const fill = (pick: (s: OutboxStats) => number) => async (g: Gauge<string>) => {
    for (const [relay, s] of await read()) g.set({ relay }, pick(s));
  };
  metrics.gauge('questline_outbox_backlog', 'Outbox rows neither delivered nor dead (due, waiting for a retry, or in flight)', ['relay'], fill((s) => s.backlog));
  metrics.gauge('questline_outbox_oldest_age_seconds', 'Age of the oldest outbox row neither delivered nor dead', ['relay'], fill((s) => s.oldestAgeSeconds));
  metrics.gauge('questline_outbox_dead', 'Outbox rows dead-lettered (refused for good by the peer), still in the table', ['relay'], fill((s) => s.dead));
  const attempts = metrics.counter('questline_outbox_attempts_total', 'Outbox delivery attempts', ['relay']);
  const delivered = metrics.counter('questline_outbox_delivered_total', 'Outbox rows delivered', ['relay']);
  const failures = metrics.counter('questline_outbox_failures_total', 'Outbox delivery attempts that failed (retried or dead-lettered)', ['relay']);
  const deadLettered = metrics.counter('questline_outbox_dead_lettered_total', 'Outbox rows dead-lettered by this process', ['relay']);
  return {
    register(relay, stats) {
      sources.set(relay, stats);
      const labels = { relay };
      // Zero series from the start, so that rate() and alerts see every relay.
      for (const c of [attempts, delivered, failures, deadLettered]) c.inc(labels, 0);
      return {
        attempts: attempts.labels(labels),
        delivered: delivered.labels(labels),
        failures: failures.labels(labels),
        deadLettered: deadLettered.labels(labels),
      };
    },
  };
}
