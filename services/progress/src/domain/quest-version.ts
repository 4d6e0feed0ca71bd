import type { Objective } from '@questline/contracts';
import type { QuestState } from './evaluate.js';

/**
 * What an objective counts, independent of its target: the event type, the mode and the filter
 * (keys sorted, so the same filter always gives the same text).
 */
export function objectiveSig(objective: Pick<Objective, 'event' | 'mode' | 'filter'>): string {
  const filter = objective.filter ? Object.keys(objective.filter).sort().map((k) => [k, objective.filter![k]]) : [];
  return JSON.stringify([objective.event, objective.mode, filter]);
}

/**
 * Moves a stored state onto the quest version the catalog publishes now. Earned things are never
 * rewritten: completions, claims, the completed period and the best streak stay. The in-progress
 * counter stays too when the objective still counts the same thing (a new target applies from the
 * next event on); when the event, mode or filter changed it restarts from zero, counting events
 * received from `now` on. A catalog copy older than the state's version (a replica that has not
 * polled yet) changes nothing, so replicas never undo each other's adoption.
 */
export function adoptVersion(
  quest: { version: number; objective: Pick<Objective, 'event' | 'mode' | 'filter'> },
  state: QuestState,
  now: Date | null,
): QuestState {
  if (quest.version < state.questVersion) return state;
  const sig = objectiveSig(quest.objective);
  if (state.objectiveSig === sig && state.questVersion === quest.version) return state;
  // Rows stored before the signature existed are taken to count the current objective.
  if (state.objectiveSig === null || state.objectiveSig === sig) return { ...state, questVersion: quest.version, objectiveSig: sig };
  return {
    ...state,
    questVersion: quest.version,
    objectiveSig: sig,
    progress: 0,
    streakCurrent: 0,
    streakLastDay: null,
    streakZone: null,
    countingSince: now ?? state.countingSince,
    countingBase: state.completions,
  };
}
