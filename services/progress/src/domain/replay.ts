import { evaluate, initialState, type QuestEvent, type QuestRules, type QuestState } from './evaluate.js';

export interface Replay {
  state: QuestState;
  /** Completions the history earns beyond those already recorded, with the instant each happened. */
  newCompletions: Array<{ number: number; completedAt: Date }>;
}

/**
 * Recomputes one quest's state from the user's whole history of its event type, in occurredAt
 * order — what the state would be had every event arrived on time. Used when a late event
 * (backfill, an offline client) lands before the day or period the stored state has reached.
 *
 * Earned things are never taken back: completions only grow (a completion already recorded stays
 * even if the new history would place it differently) and claims are carried over. A completion
 * the late event newly earns is reported so the caller can record (and, for auto-claim, pay) it.
 */
export function replayQuest(
  quest: QuestRules,
  stored: QuestState | null,
  history: QuestEvent[],
  timezone: string,
  completionsOf: (key: string) => number,
): Replay {
  const recorded = stored?.completions ?? 0;
  let state = initialState(quest.version);
  const newCompletions: Replay['newCompletions'] = [];
  for (const event of history) {
    const result = evaluate({ quest, state, event, timezone, completionsOf });
    state = result.state;
    if (result.outcome.kind === 'completed' && result.outcome.completion > recorded) {
      newCompletions.push({ number: result.outcome.completion, completedAt: event.occurredAt });
    }
  }
  const claimed = (stored?.claimed ?? 0) + (quest.autoClaim ? newCompletions.length : 0);
  return {
    state: { ...state, completions: Math.max(state.completions, recorded), claimed },
    newCompletions,
  };
}
