import type { Objective } from '@questline/contracts';
import type { LocalDay } from './calendar.js';

/** A user's stored state for one quest (one user_quests row). */
export interface QuestState {
  progress: number;
  /** The period `progress` belongs to, for repeating quests; null otherwise. */
  periodKey: string | null;
  /**
   * The zone periodKey is a period of: after a timezone change that period goes on until its
   * real-time end (calendar.ts periodAt). Null on rows stored before it was recorded (compared by key).
   */
  periodZone: string | null;
  completions: number;
  claimed: number;
  lastCompletedPeriod: string | null;
  /** The zone lastCompletedPeriod was completed in (null on rows stored before it was recorded). */
  completedZone: string | null;
  streakCurrent: number;
  streakBest: number;
  streakLastDay: LocalDay | null;
  /** The zone streakLastDay was counted in. */
  streakZone: string | null;
  /** The quest version progress was last made under. */
  questVersion: number;
  /** What the counter counts (objectiveFingerprint); null on rows stored before it was recorded. */
  objectiveFingerprint: string | null;
  /** Events received from this instant on count (row creation or last objective change); null = all. */
  countingSince: Date | null;
  /** Completions already recorded at countingSince (a replay starts from there). */
  countingBase: number;
}

/**
 * What an objective counts, independent of its target: the event type, the mode and the filter
 * (keys sorted, so the same filter always gives the same text). A state whose fingerprint differs
 * from its quest's counted something else, and its counter restarts (quest-version.ts).
 */
export function objectiveFingerprint(objective: Pick<Objective, 'event' | 'mode' | 'filter'>): string {
  const filter = objective.filter ? Object.keys(objective.filter).sort().map((k) => [k, objective.filter![k]]) : [];
  return JSON.stringify([objective.event, objective.mode, filter]);
}

export function initialState(questVersion: number): QuestState {
  return {
    progress: 0,
    periodKey: null,
    periodZone: null,
    completions: 0,
    claimed: 0,
    lastCompletedPeriod: null,
    completedZone: null,
    streakCurrent: 0,
    streakBest: 0,
    streakLastDay: null,
    streakZone: null,
    questVersion,
    objectiveFingerprint: null,
    countingSince: null,
    countingBase: 0,
  };
}

/** A user's first state for a quest, counting events received from `now` on. */
export function freshState(quest: { version: number; objective: Pick<Objective, 'event' | 'mode' | 'filter'> }, now: Date | null): QuestState {
  return { ...initialState(quest.version), objectiveFingerprint: objectiveFingerprint(quest.objective), countingSince: now };
}
