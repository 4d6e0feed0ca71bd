import type { QuestRules } from './evaluate.js';

/** For each quest key, the quests that list it as a prerequisite (what to look at again when it is completed earlier). */
export function dependentsIndex<Q extends Pick<QuestRules, 'key' | 'prerequisites'>>(quests: readonly Q[]): Map<string, Q[]> {
  const index = new Map<string, Q[]>();
  for (const quest of quests) {
    for (const key of new Set(quest.prerequisites)) {
      const list = index.get(key) ?? [];
      list.push(quest);
      index.set(key, list);
    }
  }
  return index;
}

/** The prerequisites not completed yet, in the quest's order (what a locked quest waits for). */
export function unmetPrerequisites(quest: Pick<QuestRules, 'prerequisites'>, completionsOf: (key: string) => number): string[] {
  return [...new Set(quest.prerequisites)].filter((key) => completionsOf(key) < 1);
}

/**
 * Which of the keys waiting for a replay to take next: one none of whose prerequisites (direct or
 * through other quests) is waiting too, so a prerequisite's completions are known before its
 * dependents are judged against them and nothing is replayed twice for want of order. A cycle
 * (whose quests can never unlock anyway) falls back to the first key.
 */
export function nextInPrerequisiteOrder(waiting: readonly string[], prerequisitesOf: (key: string) => readonly string[]): string | undefined {
  const set = new Set(waiting);
  const blocked = (key: string): boolean => {
    const seen = new Set<string>([key]);
    const stack = [...prerequisitesOf(key)];
    while (stack.length > 0) {
      const p = stack.pop()!;
      if (seen.has(p)) continue;
      if (set.has(p)) return true;
      seen.add(p);
      stack.push(...prerequisitesOf(p));
    }
    return false;
  };
  return waiting.find((key) => !blocked(key)) ?? waiting[0];
}

/**
 * For each event type, the quests whose stored states applying an event of that type may read: the
 * quests listening to it and, when one of them takes part in a prerequisite chain, every quest of
 * every chain (a completion may unlock dependents, replayed against their prerequisites'
 * completions, and an answer shows a dependent as locked or not). A transaction reads only these,
 * so an event costs the quests it reaches, not every state its user holds.
 */
export function statesReadByEvent<Q extends Pick<QuestRules, 'key' | 'prerequisites'>>(byEvent: ReadonlyMap<string, readonly Q[]>): Map<string, string[]> {
  const chained = new Set<string>();
  for (const quests of byEvent.values()) {
    for (const quest of quests) {
      if (quest.prerequisites.length === 0) continue;
      chained.add(quest.key);
      for (const key of quest.prerequisites) chained.add(key);
    }
  }
  const read = new Map<string, string[]>();
  for (const [type, quests] of byEvent) {
    const keys = new Set(quests.map((q) => q.key));
    if (quests.some((q) => chained.has(q.key))) for (const key of chained) keys.add(key);
    read.set(type, [...keys]);
  }
  return read;
}
