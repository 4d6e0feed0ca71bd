import type { Kysely } from 'kysely';
import type { AuthDatabase, Role, UserRow } from '../db/schema.js';
import { findUserByUsername, insertAdminIfAbsent, lockActiveAdminIds, lockUser } from '../db/users.repository.js';
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

export type EnsureAdminOutcome =
  | { kind: 'created'; user: UserRow }
  | { kind: 'exists'; user: UserRow }
  /** The name belongs to a user who is not an admin: promoting them would hand a player the keys. */
  | { kind: 'not_admin'; user: UserRow };

function existing(user: UserRow): EnsureAdminOutcome {
  return user.role === 'admin' ? { kind: 'exists', user } : { kind: 'not_admin', user };
}

/**
 * Start-up: creates the configured admin if no user has the name. An existing admin is left as it
 * is (its password, and a ban an admin gave it, are theirs to change); an existing non-admin is
 * reported, never promoted.
 */
export async function ensureAdmin(
  db: Kysely<AuthDatabase>,
  passwords: Passwords,
  username: string,
  password: string,
): Promise<EnsureAdminOutcome> {
  const found = await findUserByUsername(db, username);
  if (found) return existing(found);
  const passwordHash = await passwords.hash(password);
  return db.transaction().execute(async (trx): Promise<EnsureAdminOutcome> => {
    const created = await insertAdminIfAbsent(trx, username, passwordHash);
    if (!created) {
      // Another replica's start-up, or a signup, took the name since we looked.
      const winner = await findUserByUsername(trx, username);
      if (!winner) throw new Error(`admin ${username} conflicted but cannot be read`);
      return existing(winner);
    }
    await insertOutboxRow(trx, created.id, 'profile');
    return { kind: 'created', user: created };
  });
}
