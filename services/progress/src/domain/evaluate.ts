import type { PublishedQuest } from '@questline/contracts';
import { localDay, periodAt, relatePeriods } from './calendar.js';
import { adoptVersion } from './quest-version.js';
import { freshState, type QuestState } from './quest-state.js';
import { streakStep } from './streak.js';

/** The parts of a published quest that decide how an event counts. */
export type QuestRules = Pick<
  PublishedQuest,
  'key' | 'version' | 'objective' | 'autoClaim' | 'maxCompletions' | 'repeat' | 'startsAt' | 'endsAt' | 'prerequisites'
>;

export type AttributeValue = string | number | boolean;

export interface QuestEvent {
  type: string;
  value?: number | null;
  attributes?: Record<string, AttributeValue> | null;
  occurredAt: Date;
  /** The zone the event's day is computed in (the user's when it was ingested); default: the input's timezone. */
  zone?: string | null;
}

export type IgnoreReason =
  | 'maxed'
  | 'already-completed-this-period'
  | 'outside-schedule'
  | 'filter-mismatch'
  | 'locked'
  /** A sum objective needs a positive value. */
  | 'no-value'
  /** A streak already counted this local day. */
  | 'same-day'
  /**
   * The event is older than what the quest state already reflects (an earlier period of a
   * repeating quest, or a day before the streak's last day): incremental evaluation cannot place
   * it, so the caller replays the quest's history in time order (replay.ts) — unless the event is
   * the latest of its history (a date that a move west repeats on a row stored without its
   * period's zone), where a replay changes nothing.
   */
  | 'stale-period'
  | 'stale-day';

export type Outcome =
  | { kind: 'progressed' }
  | { kind: 'completed'; completion: number; autoClaimed: boolean }
  | { kind: 'ignored'; reason: IgnoreReason };

export interface EvaluationInput {
  quest: QuestRules;
  state: QuestState | null;
  event: QuestEvent;
  timezone: string;
  /** When each quest was first completed (null: never): prerequisites are judged by it, at the event's own time. */
  firstCompletedAt: (questKey: string) => Date | null;
  /** When the event is ingested (the transaction's clock): starts the counting of a new or restarted counter. */
  now?: Date;
}

export interface Evaluation {
  state: QuestState;
  outcome: Outcome;
}

/** Every filter key must equal the event's attribute (strictly: 5 and "5" differ). */
export function matchesFilter(filter: Record<string, AttributeValue> | undefined, attributes: Record<string, AttributeValue> | null | undefined): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([key, want]) => attributes != null && Object.hasOwn(attributes, key) && attributes[key] === want);
}

/** Schedule windows are half-open: [startsAt, endsAt). */
export function withinSchedule(quest: Pick<QuestRules, 'startsAt' | 'endsAt'>, at: Date): boolean {
  const t = at.getTime();
  if (quest.startsAt !== null && t < Date.parse(quest.startsAt)) return false;
  if (quest.endsAt !== null && t >= Date.parse(quest.endsAt)) return false;
  return true;
}

/** Whether each prerequisite has a completion now (what a view shows; events are judged by prerequisitesMetAt). */
export function prerequisitesMet(quest: Pick<QuestRules, 'prerequisites'>, completionsOf: (key: string) => number): boolean {
  return quest.prerequisites.every((key) => completionsOf(key) >= 1);
}

/**
 * Prerequisites judged at an event's own time: each must have been completed (for the first time)
 * strictly before `at`. So a late event is judged as it would have been had it arrived on time, the
 * answer does not depend on arrival order or on the order quests are evaluated in, and the event
 * that completes a prerequisite (whose instant is that completion's) never also counts toward the
 * quest it unlocks.
 */
function prerequisitesMetAt(quest: Pick<QuestRules, 'prerequisites'>, at: Date, firstCompletedAt: (key: string) => Date | null): boolean {
  return quest.prerequisites.every((key) => {
    const first = firstCompletedAt(key);
    return first !== null && first.getTime() < at.getTime();
  });
}

export function isMaxed(quest: Pick<QuestRules, 'maxCompletions'>, completions: number): boolean {
  return quest.maxCompletions !== null && completions >= quest.maxCompletions;
}

/**
 * Where a period of a repeating quest lies relative to the last completed one (`after` when none was
 * completed): compared as intervals of real time when the zones differ (calendar.ts relatePeriods).
 */
export function completedRelation(
  repeat: QuestRules['repeat'],
  period: string,
  zone: string,
  state: Pick<QuestState, 'lastCompletedPeriod' | 'completedZone'> | null,
): 'before' | 'overlaps' | 'after' {
  if (repeat === 'none' || !state || state.lastCompletedPeriod === null) return 'after';
  return relatePeriods(repeat, period, zone, state.lastCompletedPeriod, state.completedZone);
}

/**
 * Applies one event to one quest for one user. Pure: the caller supplies the stored state and
 * persists the returned one. Ignored events return the input state unchanged.
 *
 * Events are applied incrementally in arrival order. An event older than the state (a streak day
 * before the last counted day, or an earlier period of a repeating quest) comes back as
 * ignored 'stale-day' / 'stale-period', and the caller replays history instead (replay.ts).
 * Prerequisites are judged at the event's own time (prerequisitesMetAt).
 */
export function evaluate(input: EvaluationInput): Evaluation {
  const { quest, event } = input;
  const timezone = event.zone ?? input.timezone;
  const now = input.now ?? null;
  // A new quest version applies from this event on; ignored events keep the stored state as it was.
  const stored = input.state ?? freshState(quest, now);
  const current = adoptVersion(quest, stored, now);
  const objective = quest.objective;
  const ignored = (reason: IgnoreReason): Evaluation => ({ state: stored, outcome: { kind: 'ignored', reason } });

  if (event.type !== objective.event) return ignored('filter-mismatch');
  if (!withinSchedule(quest, event.occurredAt)) return ignored('outside-schedule');
  if (!prerequisitesMetAt(quest, event.occurredAt, input.firstCompletedAt)) return ignored('locked');
  if (!matchesFilter(objective.filter, event.attributes)) return ignored('filter-mismatch');
  if (isMaxed(quest, current.completions)) return ignored('maxed');

  // The period the event counts toward: after a timezone change, the one in progress until its
  // real-time end, then the new zone's (calendar.ts periodAt).
  const toward = periodAt(quest.repeat, event.occurredAt, timezone, current.periodKey, current.periodZone);
  if (toward === 'earlier') return ignored('stale-period');
  const next: QuestState = { ...current };
  if (toward !== null) {
    // A period that overlaps, in real time, the last one completed (in whatever zone) is that
    // period lived again after a timezone change: it cannot complete a second time.
    const done = completedRelation(quest.repeat, toward.key, toward.zone, current);
    if (done === 'overlaps') return ignored('already-completed-this-period');
    // Wholly before it in another zone: an earlier period the key order cannot see (a late event).
    if (done === 'before' && current.completedZone !== null) return ignored('stale-period');
    // A period is its key in its zone; a row stored before zones were recorded has the key only.
    if (current.periodKey !== toward.key || (current.periodZone !== null && current.periodZone !== toward.zone)) {
      // A new period: progress (and a streak, for a repeating streak quest) starts over.
      next.periodKey = toward.key;
      next.progress = 0;
      next.streakCurrent = 0;
    }
    next.periodZone = toward.zone;
  }

  switch (objective.mode) {
    case 'count':
      next.progress += 1;
      break;
    case 'sum': {
      const value = event.value ?? 0;
      if (value <= 0) return ignored('no-value');
      next.progress += value;
      break;
    }
    case 'streak': {
      const step = streakStep(current.streakLastDay, current.streakZone, event.occurredAt, timezone);
      if (step === 'same') return ignored('same-day');
      if (step === 'earlier') return ignored('stale-day');
      // After a completion streakCurrent is 0 but the completion day stays the last day,
      // so the next day counts as 1 and the same day counts as nothing.
      next.streakCurrent = step === 'next' ? next.streakCurrent + 1 : 1;
      next.streakLastDay = localDay(event.occurredAt, timezone);
      next.streakZone = timezone;
      next.streakBest = Math.max(next.streakBest, next.streakCurrent);
      next.progress = next.streakCurrent;
      break;
    }
  }

  if (next.progress < objective.target) return { state: next, outcome: { kind: 'progressed' } };

  // The objective is met: a completion now; progress toward the next one starts from zero
  // (a sum's overshoot is not carried over).
  next.completions += 1;
  next.progress = 0;
  next.streakCurrent = 0;
  next.lastCompletedPeriod = toward?.key ?? null;
  next.completedZone = toward?.zone ?? null;
  if (quest.autoClaim) next.claimed += 1;
  return { state: next, outcome: { kind: 'completed', completion: next.completions, autoClaimed: quest.autoClaim } };
}
