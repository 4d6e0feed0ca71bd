import type { AuthContext } from './auth-context.js';
import { userChanged } from '../domain/user-changes.js';
import { insertAudit } from '../db/audit.repository.js';
import { insertOutboxRow } from '../db/outbox.repository.js';
import { enqueueWebhookMessage } from '../db/webhook-messages.repository.js';
import { banMessage, userCreatedMessage } from '../domain/webhook-events.js';
import type { UserRow } from '../db/schema.js';
import { revokeAllForUser } from '../db/tokens.repository.js';
import { findUserByUsername, insertAdminIfAbsent, lockActiveAdminIds, lockUser } from '../db/users.repository.js';
import { auditActionsOf, leavesNoAdmin, type AdminUserPatch } from '../domain/admin-users.js';
import type { Passwords } from '../domain/passwords.js';
import type { UserView } from '../domain/users.js';
import { changeProfile } from './profiles.use-case.js';
import { userView } from './users.use-case.js';

export type AdminUpdateOutcome = { kind: 'ok'; user: UserView } | { kind: 'not_found' } | { kind: 'last_admin' };

/**
 * Applies an admin's change to a user. At least one unbanned admin must remain; banning also ends
 * every session of the user, and the change reaches progress through the outbox, the audit and,
 * for a ban or an unban, the webhooks (same transaction; a patch that changes nothing records nothing).
 */
export async function updateUserAsAdmin(ctx: AuthContext, actorId: string, userId: string, patch: AdminUserPatch): Promise<AdminUpdateOutcome> {
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    // Admins first (in id order), then the target: one lock order for every admin change.
    const admins = await lockActiveAdminIds(trx);
    const target = await lockUser(trx, userId);
    if (!target) return { kind: 'not_found' as const };
    if (leavesNoAdmin(target, patch, admins)) return { kind: 'last_admin' as const };
    const updated = await changeProfile(trx, target, patch);
    for (const { action, details } of auditActionsOf(target, updated)) {
      await insertAudit(trx, { actorId, action, entity: 'user', entityKey: userId, details });
    }
    // Even when the user was banned already: a ban must leave no live session behind.
    if (patch.status === 'banned') await revokeAllForUser(trx, userId);
    if (target.status === 'banned' || updated.status === 'banned') {
      const message = banMessage(target, updated, await userView(trx, updated));
      if (message) await enqueueWebhookMessage(trx, message);
    }
    return { kind: 'ok' as const, user: updated };
  });
  if (outcome.kind !== 'ok') return outcome;
  // A ban should reach progress in moments, not at the next poll.
  ctx.nudge('profile');
  ctx.nudge('webhook');
  ctx.publishChange(userChanged(userId));
  return { kind: 'ok', user: await userView(ctx.db, outcome.user) };
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
export async function ensureAdmin(ctx: AuthContext, passwords: Passwords, username: string, password: string): Promise<EnsureAdminOutcome> {
  const { db } = ctx;
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
    await enqueueWebhookMessage(trx, userCreatedMessage(created));
    return { kind: 'created', user: created };
  });
}
