import { comparePeriods, isPeriodKey, periodInterval } from './calendar.js';
import { evaluate, type Outcome, type QuestEvent, type QuestRules } from './evaluate.js';
import { freshState, type QuestState } from './quest-state.js';
import { adoptVersion } from './quest-version.js';

export interface Replay {
  state: QuestState;
  /**
   * Completions the history earns beyond those already recorded, numbered after them in time
   * order, with the instant each happened and the index (in the history) of the event that earned it.
   */
  newCompletions: Array<{ number: number; completedAt: Date; index: number }>;
  /**
   * What each history event did in the replay, in history order. `completed` only for an event that
   * earned one of `newCompletions`; an event that reached a completion already recorded is
   * `progressed` (that completion exists already and is not earned again).
   */
  verdicts: Outcome[];
}

type Completed = Pick<QuestState, 'lastCompletedPeriod' | 'completedZone'>;

/**
 * Of two last completed periods, the one that ends later in real time (it is what guards the next
 * periods); keys alone decide in one zone, or when a zone is unknown (rows stored before zones were).
 */
function laterCompleted(repeat: QuestRules['repeat'], a: Completed, b: Completed): Completed {
  if (a.lastCompletedPeriod === null || repeat === 'none') return b.lastCompletedPeriod === null ? a : b;
  if (b.lastCompletedPeriod === null) return a;
  // A period of the other kind (the quest's repeat changed since) guards nothing of this kind.
  if (!isPeriodKey(repeat, b.lastCompletedPeriod)) return a;
  if (!isPeriodKey(repeat, a.lastCompletedPeriod)) return b;
  if (a.completedZone === null || b.completedZone === null || a.completedZone === b.completedZone) {
    return comparePeriods(a.lastCompletedPeriod, b.lastCompletedPeriod) >= 0 ? a : b;
  }
  const endA = periodInterval(repeat, a.lastCompletedPeriod, a.completedZone).end;
  const endB = periodInterval(repeat, b.lastCompletedPeriod, b.completedZone).end;
  return endA >= endB ? a : b;
}

/**
 * Which of the completions a replay reaches are new: a reached completion at the instant of one
 * already recorded is that one; of the others, the earliest are new (as many as the replay earns
 * beyond the recorded count). So each new completion carries the instant it was really earned (a
 * backfilled day, not a copy of today), which is what prerequisites are judged by. Without the
 * recorded instants, the latest reached are taken to be the new ones.
 */
function pickNew(reached: Array<{ completedAt: Date; index: number }>, count: number, recordedAt: readonly Date[] | undefined) {
  if (count <= 0) return [];
  if (!recordedAt) return reached.slice(reached.length - count);
  const unmatched = new Map<number, number>();
  for (const at of recordedAt) unmatched.set(at.getTime(), (unmatched.get(at.getTime()) ?? 0) + 1);
  const fresh = reached.filter((c) => {
    const left = unmatched.get(c.completedAt.getTime()) ?? 0;
    if (left > 0) unmatched.set(c.completedAt.getTime(), left - 1);
    return left === 0;
  });
  return fresh.slice(0, count);
}

/**
 * Recomputes one quest's state from the user's history of its event type, in occurredAt order —
 * what the state would be had every event arrived on time. Used when late events (backfill, an
 * offline client) land before the day or period the stored state has reached, and when a
 * prerequisite's first completion moves earlier. The history is the events the counter counts:
 * those received since `countingSince` (the caller filters), each in the zone it was ingested in
 * (`event.zone`; `timezone` for events stored before zones were recorded). Prerequisites are judged
 * per event, at its own time, against each prerequisite's first completion (`firstCompletedAt`), so
 * an event from before a prerequisite was completed never counts, whatever the state is today.
 *
 * Earned things are never taken back: completions only grow (a completion already recorded stays
 * even if the new history would place it differently), claims are carried over, and so are the
 * latest completed period and the best streak. A completion the replay newly earns is reported
 * so the caller can record (and, for auto-claim, pay) it; its number follows the recorded ones, so
 * replaying the same history again earns nothing twice. `recordedAt` are the instants of the
 * completions already recorded since the counter's window began (numbers above `countingBase`).
 */
export function replayQuest(
  quest: QuestRules,
  stored: QuestState | null,
  history: QuestEvent[],
  timezone: string,
  firstCompletedAt: (key: string) => Date | null,
  recordedAt?: readonly Date[],
): Replay {
  const recorded = stored?.completions ?? 0;
  const base = stored ? adoptVersion(quest, stored, null) : null;
  // Counting starts where the window starts: after the completions earned before it.
  let state: QuestState = { ...freshState(quest, base?.countingSince ?? null), countingBase: base?.countingBase ?? 0, completions: base?.countingBase ?? 0 };
  const reached: Array<{ completedAt: Date; index: number }> = [];
  const verdicts: Outcome[] = [];
  history.forEach((event, index) => {
    const result = evaluate({ quest, state, event, timezone, firstCompletedAt });
    state = result.state;
    if (result.outcome.kind === 'completed') reached.push({ completedAt: event.occurredAt, index });
    verdicts.push(result.outcome.kind === 'completed' ? { kind: 'progressed' } : result.outcome);
  });
  const newCompletions = pickNew(reached, state.completions - recorded, recordedAt).map((c, i) => ({ number: recorded + i + 1, ...c }));
  for (const c of newCompletions) verdicts[c.index] = { kind: 'completed', completion: c.number, autoClaimed: quest.autoClaim };
  const claimed = (stored?.claimed ?? 0) + (quest.autoClaim ? newCompletions.length : 0);
  return {
    state: {
      ...state,
      questVersion: Math.max(state.questVersion, stored?.questVersion ?? 0),
      completions: Math.max(state.completions, recorded),
      claimed,
      ...pickCompleted(laterCompleted(quest.repeat, state, stored ?? state)),
      streakBest: Math.max(state.streakBest, stored?.streakBest ?? 0),
    },
    newCompletions,
    verdicts,
  };
}

const pickCompleted = (c: Completed): Completed => ({ lastCompletedPeriod: c.lastCompletedPeriod, completedZone: c.completedZone });

const sameInstant = (a: Date | null, b: Date | null) => (a === null || b === null ? a === b : a.getTime() === b.getTime());

/** Whether two states are the same row (a replay that changed nothing needs no write). */
export function sameState(a: QuestState, b: QuestState): boolean {
  return (
    a.progress === b.progress &&
    a.periodKey === b.periodKey &&
    a.periodZone === b.periodZone &&
    a.completions === b.completions &&
    a.claimed === b.claimed &&
    a.lastCompletedPeriod === b.lastCompletedPeriod &&
    a.completedZone === b.completedZone &&
    a.streakCurrent === b.streakCurrent &&
    a.streakBest === b.streakBest &&
    a.streakLastDay === b.streakLastDay &&
    a.streakZone === b.streakZone &&
    a.questVersion === b.questVersion &&
    a.objectiveFingerprint === b.objectiveFingerprint &&
    sameInstant(a.countingSince, b.countingSince) &&
    a.countingBase === b.countingBase
  );
}
