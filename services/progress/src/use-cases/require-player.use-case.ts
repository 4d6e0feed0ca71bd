import type { UserDirectory } from '../clients/user-directory.js';
import type { StoredProfile } from '../db/profiles.repository.js';

/**
 * The stored profile; auth is asked only about a user progress has never heard of (null: auth does
 * not know them either). Auth unreachable is an UpstreamError, answered 503 so the client retries.
 */
export function findUser(users: UserDirectory, userId: string, requestId?: string): Promise<StoredProfile | null> {
  return users.get(userId, requestId);
}

export type PlayerCheck = { kind: 'player'; profile: StoredProfile } | { kind: 'unknown-user' } | { kind: 'banned' };

/**
 * The caller as a player who may change their quests (events, claims): known and not banned. The
 * stored profile decides, not the token, which may predate a ban or a timezone change.
 */
export async function checkPlayer(users: UserDirectory, userId: string, requestId?: string): Promise<PlayerCheck> {
  const profile = await findUser(users, userId, requestId);
  if (!profile) return { kind: 'unknown-user' };
  if (profile.status === 'banned') return { kind: 'banned' };
  return { kind: 'player', profile };
}
