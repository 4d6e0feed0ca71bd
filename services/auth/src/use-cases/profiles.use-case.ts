import type { Executor } from '@questline/platform';
import type { AuthContext } from './auth-context.js';
import { insertOutboxRow } from '../db/outbox.repository.js';
import type { AuthDatabase, UserRow } from '../db/schema.js';
import { lockUser, updateProfile } from '../db/users.repository.js';
import { profileChanges, type ProfilePatch } from '../domain/profiles.js';
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

export type OwnProfileOutcome = { kind: 'ok'; user: UserView } | { kind: 'not_found' };

/** PATCH /me: progress evaluates days in the user's timezone, so the change reaches it through the outbox. */
export async function changeOwnProfile(ctx: AuthContext, userId: string, patch: { timezone: string }): Promise<OwnProfileOutcome> {
  const updated = await ctx.db.transaction().execute(async (trx) => {
    const locked = await lockUser(trx, userId);
    return locked ? changeProfile(trx, locked, { timezone: patch.timezone }) : undefined;
  });
  if (!updated) return { kind: 'not_found' };
  ctx.nudge('profile');
  return { kind: 'ok', user: await userView(ctx.db, updated) };
}
