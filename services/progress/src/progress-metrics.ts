import type { Counter } from 'prom-client';
import { singleFlight, type Metrics } from '@questline/platform';
import type { BacklogStats } from './db/outbox.repository.js';

export interface ProgressCounters {
  eventsIngested: Counter<string>;
  questsCompleted: Counter<string>;
  rewardsPaid: Counter<string>;
  /** Replays of a quest from a user's history (late events, prerequisites completed earlier). */
  questReplays: Counter<string>;
  /** Stored events read by those replays. */
  replayEventsRead: Counter<string>;
}

/** Domain metrics next to the platform's HTTP ones; the outbox gauges are read from the table at scrape time. */
export function createProgressMetrics(metrics: Metrics, backlog: () => Promise<BacklogStats>): ProgressCounters {
  // One query serves both gauges of a scrape.
  const read = singleFlight(backlog, { holdMs: 0 });
  // A database hiccup must not break the whole scrape: the gauges keep their last values.
  metrics.gauge('questline_outbox_backlog', 'Grants waiting to be delivered to auth', [], async (g) => {
    await read().then((s) => g.set(s.backlog), () => undefined);
  });
  metrics.gauge('questline_outbox_oldest_age_seconds', 'Age of the oldest undelivered grant', [], async (g) => {
    await read().then((s) => g.set(s.oldestAgeSeconds), () => undefined);
  });
  return {
    eventsIngested: metrics.counter('questline_events_ingested_total', 'Events accepted (duplicates excluded)'),
    questsCompleted: metrics.counter('questline_quests_completed_total', 'Quest completions', ['quest']),
    rewardsPaid: metrics.counter('questline_rewards_paid_total', 'Grants delivered to auth'),
    questReplays: metrics.counter('questline_quest_replays_total', 'Quest states recomputed from a user\'s history (late events)', ['quest']),
    replayEventsRead: metrics.counter('questline_replay_events_read_total', 'Stored events read by quest replays'),
  };
}
