import type { Role } from '@questline/platform';
import type { UserRecord } from './users.js';

/** What an admin may change about a user. */
export interface AdminUserPatch {
  status?: 'active' | 'banned';
  role?: Role;
  /** An admin may change a user's timezone at any time; it is not the player's own change (no stamp). */
  timezone?: string;
}

/** True when the change takes away a working admin (demotion or ban). */
export function removesAdmin(target: Pick<UserRecord, 'role' | 'status'>, patch: AdminUserPatch): boolean {
  if (target.role !== 'admin' || target.status === 'banned') return false;
  return patch.role === 'player' || patch.status === 'banned';
}

/** At least one unbanned admin must remain, so nobody can lock the system out of its own administration. */
export function leavesNoAdmin(target: Pick<UserRecord, 'id' | 'role' | 'status'>, patch: AdminUserPatch, activeAdminIds: readonly string[]): boolean {
  return removesAdmin(target, patch) && activeAdminIds.every((id) => id === target.id);
}
