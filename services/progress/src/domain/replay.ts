import { comparePeriods } from './calendar.js';
import { evaluate, freshState, type QuestEvent, type QuestRules, type QuestState } from './evaluate.js';
import { adoptVersion } from './quest-version.js';

export interface Replay {
  state: QuestState;
  /** Completions the history earns beyond those already recorded, with the instant each happened. */
  newCompletions: Array<{ number: number; completedAt: Date }>;
}

function laterPeriod(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return comparePeriods(a, b) >= 0 ? a : b;
}

/**
 * Recomputes one quest's state from the user's history of its event type, in occurredAt order —
 * what the state would be had every event arrived on time. Used when a late event (backfill, an
 * offline client) lands before the day or period the stored state has reached. The history is the
 * events the counter counts: those received since `countingSince` (the caller filters), each in the
 * zone it was ingested in (`event.zone`; `timezone` for events stored before zones were recorded).
 *
 * Earned things are never taken back: completions only grow (a completion already recorded stays
 * even if the new history would place it differently), claims are carried over, and so are the
 * latest completed period and the best streak. A completion the late event newly earns is reported
 * so the caller can record (and, for auto-claim, pay) it.
 */
export function replayQuest(
  quest: QuestRules,
  stored: QuestState | null,
  history: QuestEvent[],
  timezone: string,
  completionsOf: (key: string) => number,
): Replay {
  const recorded = stored?.completions ?? 0;
  const base = stored ? adoptVersion(quest, stored, null) : null;
  // Counting starts where the window starts: after the completions earned before it.
  let state: QuestState = { ...freshState(quest, base?.countingSince ?? null), countingBase: base?.countingBase ?? 0, completions: base?.countingBase ?? 0 };
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
    state: {
      ...state,
      questVersion: Math.max(state.questVersion, stored?.questVersion ?? 0),
      completions: Math.max(state.completions, recorded),
      claimed,
      lastCompletedPeriod: laterPeriod(state.lastCompletedPeriod, stored?.lastCompletedPeriod ?? null),
      streakBest: Math.max(state.streakBest, stored?.streakBest ?? 0),
    },
    newCompletions,
  };
}
