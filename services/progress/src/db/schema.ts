import type { ColumnType, Generated } from 'kysely';
import type { GrantRequest, ProgressWebhookType, RewardPayload } from '@questline/contracts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
// jsonb goes in as JSON text (pg would turn a JS array into a Postgres array) and comes out parsed.
type Json<T> = ColumnType<T, string, string>;

export interface EventsTable {
  user_id: string;
  id: string;
  type: string;
  value: number | null;
  attributes: Json<Record<string, string | number | boolean>>;
  occurred_at: Timestamp;
  /** The zone the event's local day was computed in; null for events stored before it was recorded. */
  zone: string | null;
  received_at: ColumnType<Date, never, never>;
}

export interface UserQuestsTable {
  user_id: string;
  quest_key: string;
  progress: number;
  period_key: string | null;
  /** The zone period_key is a period of (QuestState.periodZone). */
  period_zone: string | null;
  completions: number;
  claimed: number;
  last_completed_period: string | null;
  /** The zone last_completed_period was completed in; with it, the period is an interval of real time. */
  completed_period_zone: string | null;
  streak_current: number;
  streak_best: number;
  /** DATE, kept as 'YYYY-MM-DD' by the platform's type parser. */
  streak_last_day: string | null;
  quest_version: number;
  streak_zone: string | null;
  /** QuestState.objectiveFingerprint (the column keeps its first name: renaming it would break replicas still running the old code). */
  objective_sig: string | null;
  counting_since: ColumnType<Date | null, Date | string | null, Date | string | null>;
  counting_base: number;
  updated_at: ColumnType<Date, never, Date | string>;
}

export interface CompletionsTable {
  user_id: string;
  quest_key: string;
  number: number;
  quest_version: number;
  reward: Json<RewardPayload>;
  completed_at: Timestamp;
  claimed_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
}

export interface GrantOutboxTable {
  id: Generated<string>;
  user_id: string;
  quest_key: string;
  completion: number;
  idempotency_key: string;
  payload: Json<GrantRequest>;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  delivered_at: ColumnType<Date | null, never, Date | string | null>;
  last_error: ColumnType<string | null, never, string | null>;
  created_at: ColumnType<Date, never, never>;
  /** Set by a relay's claim; the row is someone's until then. */
  lease_until: ColumnType<Date | null, never, Date | string | null>;
  /** When the latest attempt was claimed. */
  last_attempt_at: ColumnType<Date | null, never, Date | string | null>;
  /** Refused for good by auth (the error in last_error); never retried. */
  dead_at: ColumnType<Date | null, never, Date | string | null>;
}

export interface WebhookOutboxTable {
  /** The message's webhook-id (derived from its cause). */
  id: string;
  type: ProgressWebhookType;
  data: Json<Record<string, unknown>>;
  occurred_at: Date;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  lease_until: ColumnType<Date | null, never, Date | string | null>;
  last_attempt_at: ColumnType<Date | null, never, Date | string | null>;
  delivered_at: ColumnType<Date | null, never, Date | string | null>;
  dead_at: ColumnType<Date | null, never, Date | string | null>;
  last_error: ColumnType<string | null, never, string | null>;
  created_at: ColumnType<Date, never, never>;
}

export interface UserProfilesTable {
  id: string;
  role: 'player' | 'admin';
  status: 'new' | 'active' | 'banned';
  timezone: string;
  version: number;
  updated_at: ColumnType<Date, never, Date | string>;
}

/** One row (id is always true): the last catalog feed body loaded, checked again when read back. */
export interface CatalogSnapshotTable {
  id: ColumnType<boolean, boolean | undefined, boolean>;
  revision: string;
  body: Json<unknown>;
  saved_at: ColumnType<Date, never, Date | string>;
}

/** Players' own events stored per (user, type, local day): the playerDailyLimit counter. */
export interface PlayerDailyCountsTable {
  user_id: string;
  type: string;
  /** DATE, kept as 'YYYY-MM-DD' by the platform's type parser. */
  day: string;
  count: number;
}

/** Per user: drawn anew by every write of their quest states (a trigger), the key of their cached list. */
export interface QuestListVersionsTable {
  user_id: string;
  version: number;
}

export interface ProgressDatabase {
  user_profiles: UserProfilesTable;
  events: EventsTable;
  user_quests: UserQuestsTable;
  completions: CompletionsTable;
  grant_outbox: GrantOutboxTable;
  webhook_outbox: WebhookOutboxTable;
  catalog_snapshot: CatalogSnapshotTable;
  player_daily_counts: PlayerDailyCountsTable;
  quest_list_versions: QuestListVersionsTable;
}
