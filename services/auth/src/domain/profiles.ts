import type { UserProfileUpdate } from '@questline/contracts';
import type { Executor } from '@questline/platform';
import type { AuthDatabase, UserRow } from '../db/schema.js';
import { updateProfile, type ProfilePatch } from '../db/users.repository.js';
import { insertOutboxRow } from '../db/outbox.repository.js';

/** The fields of the patch that would really change the user (pure). */
export function profileChanges(user: Pick<UserRow, 'role' | 'status' | 'timezone'>, patch: ProfilePatch): ProfilePatch {
  const changes: ProfilePatch = {};
  if (patch.role !== undefined && patch.role !== user.role) changes.role = patch.role;
  if (patch.status !== undefined && patch.status !== user.status) changes.status = patch.status;
  if (patch.timezone !== undefined && patch.timezone !== user.timezone) changes.timezone = patch.timezone;
  return changes;
}

/**
 * Applies a change of status, role or timezone to a user row locked by the caller's transaction:
 * the version grows and a profile update for progress is queued in the same transaction, so
 * progress learns of every ban (and of nothing that was rolled back). A no-op patch writes nothing.
 */
export async function changeProfile(trx: Executor<AuthDatabase>, user: UserRow, patch: ProfilePatch): Promise<UserRow> {
  const changes = profileChanges(user, patch);
  if (Object.keys(changes).length === 0) return user;
  const updated = await updateProfile(trx, user.id, changes);
  if (!updated) throw new Error(`user ${user.id} vanished while locked`);
  await insertOutboxRow(trx, user.id, 'profile');
  return updated;
}

/** What progress is told: the user's state as it is now, with its version. */
export function toProfileUpdate(user: Pick<UserRow, 'id' | 'role' | 'status' | 'timezone' | 'profile_version'>): UserProfileUpdate {
  return { id: user.id, role: user.role, status: user.status, timezone: user.timezone, version: user.profile_version };
}
