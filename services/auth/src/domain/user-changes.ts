/**
 * What auth tells its replicas' live feeds after a commit (platform's change-feed.ts): the user's
 * account changed (status, role, timezone, name), or ledger entries were written for them. Kept
 * tiny: the feed reads the current state itself.
 */
/** The NOTIFY channel in auth's database. */
export const USER_CHANGES_CHANNEL = 'questline_auth_changes';

export type UserChange = { u: string; k: 'user' } | { u: string; k: 'entries'; ids: string[] };

export const userChanged = (userId: string): UserChange => ({ u: userId, k: 'user' });
export const entriesWritten = (userId: string, ids: string[]): UserChange => ({ u: userId, k: 'entries', ids });
