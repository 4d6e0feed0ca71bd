import { RESERVED_EVENT_TYPES, type EventTypeRule } from '@questline/contracts';
import { localDay, startOfNextDay, type LocalDay } from './calendar.js';

/** A player's event within its type's daily limit: counted on this local day, refused until `resetsAt`. */
export interface DailyLimit {
  day: LocalDay;
  limit: number;
  resetsAt: Date;
}

export type PlayerEventVerdict =
  | { kind: 'allowed'; dailyLimit: DailyLimit | null }
  | { kind: 'not-reportable' }
  | { kind: 'value-too-large'; maxValue: number };

/** Whether players may report events of this type at all (a reserved type never, whatever its declaration says). */
export const isPlayerReportable = (rule: EventTypeRule | undefined, type: string): boolean => !!rule?.playerReportable && !RESERVED_EVENT_TYPES.includes(type);

/**
 * Whether a player may report this event for themselves (api.md v1.1): only types declared
 * player-reportable (a reserved type never is, whatever a declaration says), with a value no larger
 * than the type's maxValue. The daily limit is counted where the event is stored (under the user's
 * lock); this says which local day it counts on and when that day ends in the player's timezone.
 */
export function judgePlayerEvent(rule: EventTypeRule | undefined, event: { type: string; value?: number }, now: Date, zone: string): PlayerEventVerdict {
  if (!rule || !isPlayerReportable(rule, event.type)) return { kind: 'not-reportable' };
  if (rule.maxValue !== null && event.value !== undefined && event.value > rule.maxValue) return { kind: 'value-too-large', maxValue: rule.maxValue };
  return { kind: 'allowed', dailyLimit: rule.playerDailyLimit === null ? null : playerDay(rule.playerDailyLimit, now, zone) };
}

/** The player's local day of `now` and the instant it ends (their next local midnight). */
export function playerDay(limit: number, now: Date, zone: string): DailyLimit {
  return { day: localDay(now, zone), limit, resetsAt: startOfNextDay(now, zone) };
}

/** Whole seconds until `resetsAt`, at least 1 (a Retry-After value). */
export const secondsUntil = (resetsAt: Date, now: Date): number => Math.max(1, Math.ceil((resetsAt.getTime() - now.getTime()) / 1000));
