import type { Role } from '@questline/platform';
import type { UserRecord } from './users.js';

/** What an admin may change about a user. */
export interface AdminUserPatch {
  status?: 'active' | 'banned';
  role?: Role;
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
  action: 'user.banned' | 'user.unbanned' | 'user.role_changed';
  details: Record<string, unknown>;
}

/** What the audit records of an admin's change, from the user before and after it. */
export function auditActionsOf(before: Pick<UserRecord, 'role' | 'status'>, after: Pick<UserRecord, 'role' | 'status'>): AuditAction[] {
  const actions: AuditAction[] = [];
  if (before.status !== 'banned' && after.status === 'banned') actions.push({ action: 'user.banned', details: { from: before.status } });
  if (before.status === 'banned' && after.status !== 'banned') actions.push({ action: 'user.unbanned', details: { to: after.status } });
  if (before.role !== after.role) actions.push({ action: 'user.role_changed', details: { from: before.role, to: after.role } });
  return actions;
}
