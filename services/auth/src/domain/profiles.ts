import type { UserProfileUpdate } from '@questline/contracts';
import type { Role, UserStatus } from '@questline/platform';
import type { UserRecord } from './users.js';

/** A player may change their own timezone at most once per this long (api.md v1.1 "Timezone changes"). */
export const OWN_TIMEZONE_CHANGE_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** When a player who last changed their own timezone at `changedAt` may change it again. */
export function ownTimezoneRetryAt(changedAt: Date): Date {
  return new Date(changedAt.getTime() + OWN_TIMEZONE_CHANGE_INTERVAL_MS);
}

/** Whole seconds until `retryAt`, at least 1 (a Retry-After header). */
export function retryAfterSeconds(retryAt: Date, now: Date): number {
  return Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 1000));
}

/** The fields of a user that progress is told about; a change to any of them is a new profile version. */
export interface ProfilePatch {
  timezone?: string;
  role?: Role;
  status?: UserStatus;
}

/** The fields of the patch that would really change the user. */
export function profileChanges(user: Pick<UserRecord, 'role' | 'status' | 'timezone'>, patch: ProfilePatch): ProfilePatch {
  const changes: ProfilePatch = {};
  if (patch.role !== undefined && patch.role !== user.role) changes.role = patch.role;
  if (patch.status !== undefined && patch.status !== user.status) changes.status = patch.status;
  if (patch.timezone !== undefined && patch.timezone !== user.timezone) changes.timezone = patch.timezone;
  return changes;
}

/** What progress is told: the user's state as it is now, with its version. */
export function toProfileUpdate(user: Pick<UserRecord, 'id' | 'role' | 'status' | 'timezone' | 'profile_version'>): UserProfileUpdate {
  return { id: user.id, role: user.role, status: user.status, timezone: user.timezone, version: user.profile_version };
}
