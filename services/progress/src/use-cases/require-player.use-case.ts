import { AppError, UpstreamError } from '@questline/platform';
import type { UserDirectory } from '../clients/user-directory.js';
import type { StoredProfile } from '../db/profiles.repository.js';

/** Auth could not be asked about a user progress has never heard of: 503, so the client retries. */
export function upstreamUnavailable(err: unknown): never {
  if (err instanceof UpstreamError) throw new AppError('UPSTREAM_UNAVAILABLE', 'the auth service could not be reached; retry');
  throw err;
}

/** The stored profile; auth is asked only about a user progress has never heard of (null: auth does not know them either). */
export function findUser(users: UserDirectory, userId: string, requestId?: string): Promise<StoredProfile | null> {
  return users.get(userId, requestId).catch(upstreamUnavailable);
}

/**
 * The caller as a player who may change their quests (events, claims): known (else 401) and not
 * banned (else 403). The stored profile decides, not the token, which may predate a ban or a
 * timezone change.
 */
export async function requirePlayer(users: UserDirectory, userId: string, requestId?: string): Promise<StoredProfile> {
  const profile = await findUser(users, userId, requestId);
  if (!profile) throw new AppError('UNAUTHENTICATED', 'this account no longer exists');
  if (profile.status === 'banned') throw new AppError('USER_BANNED', 'this account is banned');
  return profile;
}
