import type { Counter } from 'prom-client';
import type { Metrics } from '@questline/platform';

export interface ProgressCounters {
  eventsIngested: Counter<string>;
  questsCompleted: Counter<string>;
  rewardsPaid: Counter<string>;
  /** Replays of a quest from a user's history (late events, prerequisites completed earlier). */
  questReplays: Counter<string>;
  /** Stored events read by those replays. */
  replayEventsRead: Counter<string>;
  /** GET /me/quests answers: `hit` from this replica's rendered copy, `rendered` anew. */
  questListReads: Counter<'result'>;
}

/** Domain metrics next to the platform's HTTP ones (the outbox's come from the platform relay). */
export function createProgressMetrics(metrics: Metrics): ProgressCounters {
  return {
    eventsIngested: metrics.counter('questline_events_ingested_total', 'Events accepted (duplicates excluded)'),
    questsCompleted: metrics.counter('questline_quests_completed_total', 'Quest completions', ['quest']),
    rewardsPaid: metrics.counter('questline_rewards_paid_total', 'Grants delivered to auth'),
    questReplays: metrics.counter('questline_quest_replays_total', 'Quest states recomputed from a user\'s history (late events)', ['quest']),
    replayEventsRead: metrics.counter('questline_replay_events_read_total', 'Stored events read by quest replays'),
    questListReads: metrics.counter('questline_quest_list_reads_total', 'GET /me/quests answers, by whether the rendered copy was current (hit) or the list was rendered', ['result']),
  };
}
