/**
 * What progress tells its replicas' live feeds after a commit (platform's change-feed.ts): these
 * quests of this user changed. Kept tiny: the feed reads the current views itself.
 */
export type QuestChange = { u: string; q: string[] };

/** The NOTIFY channel in progress's database. */
export const QUEST_CHANGES_CHANNEL = 'questline_progress_changes';

export const questsChanged = (userId: string, questKeys: Iterable<string>): QuestChange => ({ u: userId, q: [...questKeys] });
