import type { Executor } from '@questline/platform';
import type { AuthContext } from './auth-context.js';
import { userChanged } from '../domain/user-changes.js';
import { insertOutboxRow } from '../db/outbox.repository.js';
import type { AuthDatabase, UserRow } from '../db/schema.js';
import { lockUser, updateOwnTimezone, updateProfile } from '../db/users.repository.js';
import { OWN_TIMEZONE_CHANGE_INTERVAL_MS, ownTimezoneRetryAt, profileChanges, type ProfilePatch } from '../domain/profiles.js';
import type { UserView } from '../domain/users.js';
import { userView } from './users.use-case.js';

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

export type OwnProfileOutcome =
  | { kind: 'ok'; user: UserView }
  | { kind: 'not_found' }
  /** The player changed their timezone less than 24 hours ago; allowed again at `retryAt`. */
  | { kind: 'too_soon'; retryAt: Date };

/**
 * PATCH /me: progress evaluates days in the user's timezone, so the change reaches it through the
 * outbox. A player's own change is allowed once per 24 hours (the same zone again is a no-op and
 * stamps nothing); the conditional update decides, so racing changes cannot both pass.
 */
export async function changeOwnProfile(ctx: AuthContext, userId: string, patch: { timezone: string }): Promise<OwnProfileOutcome> {
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<{ kind: 'ok'; user: UserRow } | { kind: 'not_found' } | { kind: 'too_soon'; retryAt: Date }> => {
    const locked = await lockUser(trx, userId);
    if (!locked) return { kind: 'not_found' };
    if (locked.timezone === patch.timezone) return { kind: 'ok', user: locked };
    const updated = await updateOwnTimezone(trx, userId, patch.timezone, OWN_TIMEZONE_CHANGE_INTERVAL_MS);
    if (!updated) {
      // The stamp is set: only a change less than the interval old refuses the update.
      return { kind: 'too_soon', retryAt: ownTimezoneRetryAt(locked.timezone_changed_at ?? new Date()) };
    }
    await insertOutboxRow(trx, userId, 'profile');
    return { kind: 'ok', user: updated };
  });
  if (outcome.kind !== 'ok') return outcome;
  ctx.nudge('profile');
  ctx.publishChange(userChanged(userId));
  return { kind: 'ok', user: await userView(ctx.db, outcome.user) };
}
