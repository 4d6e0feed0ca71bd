/**
 * What progress tells its replicas' live feeds after a commit (platform's change-feed.ts): these
 * quests of this user changed, or all of them (a new timezone moves every quest's periods and
 * resets; a new catalog revision adds and removes quests). Kept tiny: the feed reads the views itself.
 */
export type QuestChange = { u: string; q: string[]; all?: true };

/** The NOTIFY channel in progress's database. */
export const QUEST_CHANGES_CHANNEL = 'questline_progress_changes';

export const questsChanged = (userId: string, questKeys: Iterable<string>): QuestChange => ({ u: userId, q: [...questKeys] });

export const allQuestsChanged = (userId: string): QuestChange => ({ u: userId, q: [], all: true });

/**
 * Which of a user's quest views a batch of notices asks for: the quests named, and the quests
 * that list one of them as a prerequisite (a completion may unlock them though their own state
 * did not change); or 'all'.
 */
export function changedKeys(notices: readonly QuestChange[], dependents: ReadonlyMap<string, readonly { key: string }[]>): Set<string> | 'all' {
  const keys = new Set<string>();
  for (const n of notices) {
    if (n.all === true) return 'all';
    if (!Array.isArray(n.q)) continue;
    for (const k of n.q) {
      keys.add(k);
      for (const d of dependents.get(k) ?? []) keys.add(d.key);
    }
  }
  return keys;
}
