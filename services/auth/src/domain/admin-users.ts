import type { Kysely } from 'kysely';
import type { AuthDatabase, Role, UserRow } from '../db/schema.js';
import { findUserById, lockActiveAdminIds, updateUser, upsertAdmin } from '../db/users.repository.js';
import { revokeAllForUser } from '../db/tokens.repository.js';
import { hashPassword } from './passwords.js';

export interface AdminUserPatch {
  status?: 'active' | 'banned';
  role?: Role;
}

export type AdminUpdateOutcome = { kind: 'ok'; user: UserRow } | { kind: 'not_found' } | { kind: 'last_admin' };

/** True when the change takes away a working admin (demotion or ban). */
export function removesAdmin(target: Pick<UserRow, 'role' | 'status'>, patch: AdminUserPatch): boolean {
  if (target.role !== 'admin' || target.status === 'banned') return false;
  return patch.role === 'player' || patch.status === 'banned';
}

/**
 * Applies an admin's change to a user. At least one unbanned admin must remain, so nobody can
 * lock the system out of its own administration; banning also ends every session of the user.
 */
export async function updateUserAsAdmin(db: Kysely<AuthDatabase>, userId: string, patch: AdminUserPatch): Promise<AdminUpdateOutcome> {
  return db.transaction().execute(async (trx): Promise<AdminUpdateOutcome> => {
    const admins = await lockActiveAdminIds(trx);
    const target = await findUserById(trx, userId);
    if (!target) return { kind: 'not_found' };
    if (removesAdmin(target, patch) && admins.filter((id) => id !== target.id).length === 0) {
      return { kind: 'last_admin' };
    }
    const updated = await updateUser(trx, userId, patch);
    if (!updated) return { kind: 'not_found' };
    if (patch.status === 'banned') await revokeAllForUser(trx, userId);
    return { kind: 'ok', user: updated };
  });
}

/** Start-up: make sure the configured admin exists, is an admin and can log in. */
export async function ensureAdmin(db: Kysely<AuthDatabase>, username: string, password: string): Promise<UserRow> {
  return upsertAdmin(db, username, await hashPassword(password));
}
