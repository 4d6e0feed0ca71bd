import { Type, type Static } from '@sinclair/typebox';

/** The event type names quests listen to and events carry (the same pattern as `Objective.event`). */
export const EVENT_TYPE_PATTERN = '^[a-z0-9][a-z0-9_.:-]*$';
export const EventTypeName = Type.String({ minLength: 1, maxLength: 64, pattern: EVENT_TYPE_PATTERN });

/**
 * `login` is emitted by auth itself for every successful login: it can never be player-reportable,
 * or every login quest could be farmed from a browser console (api.md v1.1).
 */
export const RESERVED_EVENT_TYPES: readonly string[] = ['login'];

/**
 * What progress needs of a declared event type to judge a player's own event: whether players may
 * report it at all, the largest `value` they may send, and how many a day (in their timezone).
 * A type not in the list is server-only.
 */
export const EventTypeRule = Type.Object({
  type: Type.String(),
  playerReportable: Type.Boolean(),
  maxValue: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  playerDailyLimit: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
});
export type EventTypeRule = Static<typeof EventTypeRule>;
