import type { Kysely } from 'kysely';
import type { AuthDatabase, Role, UserRow } from '../db/schema.js';
import { lockActiveAdminIds, lockUser, upsertAdmin } from '../db/users.repository.js';
import { revokeAllForUser } from '../db/tokens.repository.js';
import { insertOutboxRow } from '../db/outbox.repository.js';
import { changeProfile } from './profiles.js';
import type { Passwords } from './passwords.js';

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
 * lock the system out of its own administration; banning also ends every session of the user,
 * and the change reaches progress through the outbox (same transaction).
 */
export async function updateUserAsAdmin(db: Kysely<AuthDatabase>, userId: string, patch: AdminUserPatch): Promise<AdminUpdateOutcome> {
  return db.transaction().execute(async (trx): Promise<AdminUpdateOutcome> => {
    // Admins first (in id order), then the target: one lock order for every admin change.
    const admins = await lockActiveAdminIds(trx);
    const target = await lockUser(trx, userId);
    if (!target) return { kind: 'not_found' };
    if (removesAdmin(target, patch) && admins.filter((id) => id !== target.id).length === 0) {
      return { kind: 'last_admin' };
    }
    const updated = await changeProfile(trx, target, patch);
    // Even when the user was banned already: a ban must leave no live session behind.
    if (patch.status === 'banned') await revokeAllForUser(trx, userId);
    return { kind: 'ok', user: updated };
  });
}

/** Start-up: make sure the configured admin exists, is an admin and can log in. */
export async function ensureAdmin(db: Kysely<AuthDatabase>, passwords: Passwords, username: string, password: string): Promise<UserRow> {
  const passwordHash = await passwords.hash(password);
  return db.transaction().execute(async (trx) => {
    const admin = await upsertAdmin(trx, username, passwordHash);
    await insertOutboxRow(trx, admin.id, 'profile');
    return admin;
  });
}
