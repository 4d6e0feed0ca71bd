import type { PublishedQuest, RetiredQuest } from '@questline/contracts';
import { periodAt, periodEndsAt, periodInterval, periodKey } from './calendar.js';
import { completedRelation, isMaxed, prerequisitesMet, withinSchedule } from './evaluate.js';
import type { QuestState } from './quest-state.js';
import { adoptVersion } from './quest-version.js';
import { streakStep } from './streak.js';

export type QuestViewStatus = 'locked' | 'active' | 'claimable' | 'completed' | 'maxed';

export interface StreakView {
  current: number;
  best: number;
  lastDay: string | null;
}

/** One item of GET /me/quests. */
export interface QuestView {
  quest: { key: string; name: string; description: string; tags: string[] };
  status: QuestViewStatus;
  progress: number;
  target: number;
  completions: number;
  maxCompletions: number | null;
  /** Only streak quests have a streak; null for count and sum quests. */
  streak: StreakView | null;
  /** RFC 3339; when the current local day/week ends for repeating quests, else null. */
  periodEndsAt: string | null;
  /** Completions earned but not yet claimed. */
  claimable: number;
}

/** An archived quest as the catalog feed lists it (its `retired` list): display fields only. */
export type ArchivedQuest = RetiredQuest;

interface Period {
  key: string | null;
  endsAt: Date | null;
}

/** What the views of one user's list share: the instant, the user's zone, their completions. */
export interface ViewContext {
  now: Date;
  timezone: string;
  completionsOf: (questKey: string) => number;
  /**
   * The current day and week, worked out once per list rather than once per quest: the zone
   * arithmetic is most of a view's cost, and every quest of a list shares one `now` and zone.
   */
  periods: Map<PublishedQuest['repeat'], Period>;
}

export function viewContext(now: Date, timezone: string, completionsOf: (questKey: string) => number): ViewContext {
  return { now, timezone, completionsOf, periods: new Map() };
}

function currentPeriod(repeat: PublishedQuest['repeat'], ctx: ViewContext): Period {
  let period = ctx.periods.get(repeat);
  if (!period) {
    period = { key: periodKey(repeat, ctx.now, ctx.timezone), endsAt: periodEndsAt(repeat, ctx.now, ctx.timezone) };
    ctx.periods.set(repeat, period);
  }
  return period;
}

interface QuestPeriod extends Period {
  /** The zone the period is a period of. */
  zone: string;
  /** Whether it is the period the stored progress belongs to. */
  stored: boolean;
}

/**
 * The period an event now would count toward (evaluate.ts): the list's current one, except after a
 * timezone change, while the stored period in progress lasts in real time (calendar.ts periodAt) and
 * holds progress: then the view shows that progress and that period's end. A stored period already
 * completed holds none; the current one, which overlaps it, shows it completed, as before the change.
 * Only a state whose period is of another zone costs any zone arithmetic.
 */
function questPeriod(quest: PublishedQuest, state: QuestState | null, ctx: ViewContext): QuestPeriod {
  const own = currentPeriod(quest.repeat, ctx);
  const stored = state?.periodKey ?? null;
  const zone = state?.periodZone ?? null;
  if (own.key === null) return { ...own, zone: ctx.timezone, stored: true };
  if (stored === null || zone === null || zone === ctx.timezone) return { ...own, zone: ctx.timezone, stored: own.key === stored };
  if (state!.lastCompletedPeriod === stored && state!.completedZone === zone) return { ...own, zone: ctx.timezone, stored: false };
  const at = periodAt(quest.repeat, ctx.now, ctx.timezone, stored, zone);
  if (at !== null && at !== 'earlier' && at.key === stored && at.zone === zone) {
    return { key: stored, endsAt: periodInterval(quest.repeat as 'daily' | 'weekly', stored, zone).end, zone, stored: true };
  }
  return { ...own, zone: ctx.timezone, stored: false };
}

/**
 * A streak survives while an event now would still extend it (its last day is today or yesterday,
 * as streak.ts judges it, timezone changes included); otherwise it is already broken, even though
 * the stored row only learns it on the next event.
 */
function liveStreak(state: QuestState, now: Date, zone: string): number {
  const step = streakStep(state.streakLastDay, state.streakZone, now, zone);
  return step === 'same' || step === 'earlier' || step === 'next' ? state.streakCurrent : 0;
}

function statusOf(quest: PublishedQuest, state: QuestState | null, ctx: ViewContext, period: QuestPeriod): QuestViewStatus {
  const completions = state?.completions ?? 0;
  const claimed = state?.claimed ?? 0;
  // Earned rewards stay claimable even when the quest is locked or its window closed.
  if (completions > claimed) return 'claimable';
  if (isMaxed(quest, completions)) return 'maxed';
  if (!prerequisitesMet(quest, ctx.completionsOf) || !withinSchedule(quest, ctx.now)) return 'locked';
  // Also a period of the current zone that overlaps one completed in another zone (evaluate.ts).
  if (period.key !== null && completedRelation(quest.repeat, period.key, period.zone, state) === 'overlaps') return 'completed';
  return 'active';
}

export function buildQuestView(quest: PublishedQuest, stored: QuestState | null, ctx: ViewContext): QuestView {
  // Shown as the current version counts it: a changed objective shows its counter from zero.
  const state = stored ? adoptVersion(quest, stored, null) : null;
  const period = questPeriod(quest, state, ctx);
  const ends = period.endsAt;
  const inCurrentPeriod = period.stored;
  const isStreak = quest.objective.mode === 'streak';
  const streakNow = state && inCurrentPeriod ? liveStreak(state, ctx.now, ctx.timezone) : 0;

  let progress = 0;
  if (state && inCurrentPeriod) progress = isStreak ? streakNow : state.progress;

  return {
    quest: { key: quest.key, name: quest.name, description: quest.description, tags: quest.tags },
    status: statusOf(quest, state, ctx, period),
    progress,
    target: quest.objective.target,
    completions: state?.completions ?? 0,
    maxCompletions: quest.maxCompletions,
    streak: isStreak ? { current: streakNow, best: state?.streakBest ?? 0, lastDay: state?.streakLastDay ?? null } : null,
    periodEndsAt: ends ? ends.toISOString() : null,
    claimable: state ? state.completions - state.claimed : 0,
  };
}

/**
 * A quest archived while the user still had unclaimed completions on it: listed only so those can
 * be claimed. Nothing can progress any more, so there is no progress, live streak or period.
 */
export function buildArchivedView(quest: ArchivedQuest, state: QuestState): QuestView {
  return {
    quest: { key: quest.key, name: quest.name, description: quest.description, tags: quest.tags },
    status: 'claimable',
    progress: 0,
    target: quest.target,
    completions: state.completions,
    maxCompletions: quest.maxCompletions,
    streak: quest.mode === 'streak' ? { current: 0, best: state.streakBest, lastDay: state.streakLastDay } : null,
    periodEndsAt: null,
    claimable: state.completions - state.claimed,
  };
}
