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

export interface AuditAction {
  action: 'user.banned' | 'user.unbanned' | 'user.role_changed' | 'user.timezone_changed';
  details: Record<string, unknown>;
}

/** What the audit records of an admin's change, from the user before and after it. */
export function auditActionsOf(before: Pick<UserRecord, 'role' | 'status' | 'timezone'>, after: Pick<UserRecord, 'role' | 'status' | 'timezone'>): AuditAction[] {
  const actions: AuditAction[] = [];
  if (before.status !== 'banned' && after.status === 'banned') actions.push({ action: 'user.banned', details: { from: before.status } });
  if (before.status === 'banned' && after.status !== 'banned') actions.push({ action: 'user.unbanned', details: { to: after.status } });
  if (before.role !== after.role) actions.push({ action: 'user.role_changed', details: { from: before.role, to: after.role } });
  // An admin's change is exempt from the player's once-a-day rule, so it is on the record.
  if (before.timezone !== after.timezone) actions.push({ action: 'user.timezone_changed', details: { from: before.timezone, to: after.timezone } });
  return actions;
}
