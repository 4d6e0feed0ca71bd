import type { UserProfileUpdate } from '@questline/contracts';
import type { UserDirectory } from '../clients/user-directory.js';
import { allQuestsChanged, type QuestChange } from '../domain/quest-changes.js';

/**
 * A profile change pushed by auth's outbox. When it is stored (newer than what progress had), the
 * player's open streams get every quest view again: a new timezone moves every period's end and
 * reset, which the views show. An older or repeated version changes nothing and tells no one.
 */
export async function applyProfileUpdate(
  deps: { users: UserDirectory; publishChange: (change: QuestChange) => void },
  profile: UserProfileUpdate,
): Promise<void> {
  if (await deps.users.update(profile)) deps.publishChange(allQuestsChanged(profile.id));
}
