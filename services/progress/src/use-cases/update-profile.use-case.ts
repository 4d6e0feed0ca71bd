import type { UserProfileUpdate } from '@questline/contracts';
import type { UserDirectory } from '../clients/user-directory.js';
import { allQuestsChanged, type QuestChange } from '../domain/quest-changes.js';
import { newestPerUser } from '../domain/profile-updates.js';

/**
 * A profile change pushed by auth's outbox. When it stores a new timezone (newer than what progress
 * had), the player's open streams get every quest view again: the zone moves every period's end
 * and reset, which the views show. Other changes (activation, role, a ban: auth's half of the
 * stream says those), older or repeated versions tell no one.
 */
export async function applyProfileUpdate(
  deps: { users: UserDirectory; publishChange: (change: QuestChange) => void },
  profile: UserProfileUpdate,
): Promise<void> {
  const before = await deps.users.local(profile.id);
  if ((await deps.users.update(profile)) && before !== null && before.timezone !== profile.timezone) deps.publishChange(allQuestsChanged(profile.id));
}

/** Several users' profile changes (POST /internal/users/profiles), each as applyProfileUpdate would. */
export async function applyProfileUpdates(
  deps: { users: UserDirectory; publishChange: (change: QuestChange) => void },
  profiles: readonly UserProfileUpdate[],
): Promise<void> {
  for (const userId of await deps.users.updateMany(newestPerUser(profiles))) deps.publishChange(allQuestsChanged(userId));
}
