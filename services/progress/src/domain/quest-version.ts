import type { Objective } from '@questline/contracts';
import { objectiveFingerprint, type QuestState } from './quest-state.js';

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
  const fingerprint = objectiveFingerprint(quest.objective);
  if (state.objectiveFingerprint === fingerprint && state.questVersion === quest.version) return state;
  // Rows stored before fingerprints were recorded are taken to count the current objective.
  if (state.objectiveFingerprint === null || state.objectiveFingerprint === fingerprint) {
    return { ...state, questVersion: quest.version, objectiveFingerprint: fingerprint };
  }
  return {
    ...state,
    questVersion: quest.version,
    objectiveFingerprint: fingerprint,
    progress: 0,
    streakCurrent: 0,
    streakLastDay: null,
    streakZone: null,
    countingSince: now ?? state.countingSince,
    countingBase: state.completions,
  };
}
