import type { GrantRequest, PublishedQuest, RewardItem } from '@questline/contracts';
import type { Transaction } from 'kysely';
import type { ProgressDatabase } from '../db/schema.js';
import type { NewCompletion } from '../db/completions.repository.js';
import type { CatalogSnapshot } from '../clients/catalog-cache.js';
import type { AttributeValue, Outcome } from '../domain/evaluate.js';
import type { QuestState } from '../domain/quest-state.js';
import type { OutgoingWebhookMessage } from '../domain/webhook-messages.js';

/** The types of applying events (apply-events.ts, apply-user-events.ts) and of what their callers get back. */

export interface IncomingEvent {
  id: string;
  type: string;
  value?: number;
  attributes?: Record<string, AttributeValue>;
  occurredAt: Date;
  /**
   * A player's own event of a type with a playerDailyLimit: counted on this local day, and refused
   * (nothing stored) when `limit` such events of the user are stored for that day already.
   */
  dailyLimit?: { day: string; limit: number };
}

/** One user's events, applied in the given order, with the zone their days are computed in. */
export interface UserEvents {
  userId: string;
  timezone: string;
  events: IncomingEvent[];
}

export interface QuestResult {
  quest: PublishedQuest;
  outcome: Outcome;
}

export interface AppliedEvent {
  eventId: string;
  duplicate: boolean;
  /** Refused, nothing stored: the type's playerDailyLimit was reached for the event's local day. */
  refused?: 'daily-limit';
  /** Every published quest whose objective listens to the event's type. */
  results: QuestResult[];
  rewarded: Array<{ questKey: string; items: RewardItem[] }>;
  /** The user's quest states right after this event (only when asked for: single-event answers). */
  statesAfter?: Map<string, QuestState>;
}

export interface UserApplyResult {
  userId: string;
  applied: AppliedEvent[];
  /** The user's quest states after the last event. */
  states: Map<string, QuestState>;
  /** Grants queued (auto-claimed completions). */
  grants: number;
  /** The quests whose state this transaction changed for the user (shared by the user's lists). */
  changedQuests: ReadonlySet<string>;
  /** One entry per completion recorded, by quest key. */
  completedKeys: string[];
  /** One entry per replay of a quest from the user's history, by quest key. */
  replays: string[];
  /** Stored events those replays read. */
  replayedEvents: number;
}

/** What one transaction shares across its users: the clock, the catalog, and the rows it will write at the end. */
export interface ApplyTransaction {
  db: Transaction<ProgressDatabase>;
  catalog: CatalogSnapshot;
  /** The transaction's clock (`now()`, which also stamps events.received_at). */
  now: Date;
  /** `userId\0eventId` of events stored by this transaction and not applied yet: a replay must not count them early. */
  unappliedEvents: Set<string>;
  /** `userId\0eventId` of events refused by their daily limit (not stored). */
  refusedEvents: Set<string>;
  completionsToInsert: NewCompletion[];
  grantsToQueue: GrantRequest[];
  /** quest.completed per completion, for auth's webhooks (one insert for the transaction). */
  webhooksToQueue: OutgoingWebhookMessage[];
}

/** One user's part of a transaction (a user may come with several lists: single events of a group commit). */
export interface UserInTransaction {
  userId: string;
  states: Map<string, QuestState>;
  /** Quests whose state must be written. */
  changedQuests: Set<string>;
  /** Each prerequisite's first completion (the clock prerequisites are judged by), as stored and as earned since. */
  firstCompleted: Map<string, Date>;
  /** Ids of the events this transaction stored for the user. */
  newEventIds: string[];
  /** Per event type: the latest occurredAt among this transaction's events applied so far. */
  latestAppliedAt: Map<string, Date>;
  /** Per event type and counting window: the latest occurredAt stored before this transaction (read once). */
  latestStoredAt: Map<string, Date | null>;
  /** Per quest key: the latest occurredAt among this transaction's events refused as `locked`. */
  latestLockedAt: Map<string, Date>;
}

/** How a user's event is keyed across users (insertEvents returns these for the events it stored). */
export const eventKey = (userId: string, eventId: string) => `${userId}\u0000${eventId}`;
