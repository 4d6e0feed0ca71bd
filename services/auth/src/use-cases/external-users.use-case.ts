import { isUniqueViolation } from '@questline/platform';
import type { AuthContext } from './auth-context.js';
import { userChanged } from '../domain/user-changes.js';
import { insertOutboxRow, insertOutboxRows } from '../db/outbox.repository.js';
import { enqueueWebhookMessage, enqueueWebhookMessages } from '../db/webhook-messages.repository.js';
import { userCreatedMessage } from '../domain/webhook-events.js';
import type { UserRow } from '../db/schema.js';
import {
  USERNAME_UNIQUE_INDEX,
  findUserByExternalId,
  findUsersByExternalIds,
  insertExternalUsers,
  updateUsername,
} from '../db/users.repository.js';
import { DEFAULT_TIMEZONE, distinctExternalIds, generatedUsername } from '../domain/external-users.js';
import { toInternalUser, type UserView } from '../domain/users.js';
import type { ResolveExternalUsersResponse } from '@questline/contracts';
import { changeProfile } from './profiles.use-case.js';
import { userView } from './users.use-case.js';

/** A generated username is retried this many times when it happens to be taken (64 random bits: never, in practice). */
const GENERATED_NAME_ATTEMPTS = 3;

async function withGeneratedNames<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt < GENERATED_NAME_ATTEMPTS && isUniqueViolation(err, USERNAME_UNIQUE_INDEX)) continue;
      throw err;
    }
  }
}

export interface ExternalUserPatch {
  username?: string;
  timezone?: string;
}

export type UpsertOutcome = { kind: 'created' | 'updated'; user: UserView } | { kind: 'username_taken' };

/**
 * PUT /users/external/{externalId}: creates the user (no password; the given or a generated
 * username; the given timezone or UTC) or updates the one that exists. Race-safe: the insert skips
 * an id another transaction created meanwhile (waiting for it to commit), and this one then
 * updates that user, so concurrent PUTs of one new id make one user (one 201, the others 200). A
 * timezone change here is always allowed (the product's server speaks for its user): it is a
 * profile change like any other, and so is a creation (progress learns of both through the outbox).
 */
export async function upsertExternalUser(ctx: AuthContext, externalId: string, patch: ExternalUserPatch): Promise<UpsertOutcome> {
  const write = () =>
    ctx.db.transaction().execute(async (trx) => {
      let user = await findUserByExternalId(trx, externalId, { lock: true });
      if (!user) {
        const username = patch.username ?? generatedUsername();
        const [created] = await insertExternalUsers(trx, [{ externalId, username, timezone: patch.timezone ?? DEFAULT_TIMEZONE }]);
        if (created) {
          await insertOutboxRow(trx, created.id, 'profile');
          await enqueueWebhookMessage(trx, userCreatedMessage(created));
          return { created: true, profileChanged: true, user: created };
        }
        user = await findUserByExternalId(trx, externalId, { lock: true });
        if (!user) throw new Error(`external user ${externalId} conflicted but cannot be read`);
      }
      let updated: UserRow = user;
      if (patch.username !== undefined && patch.username !== updated.username) {
        updated = (await updateUsername(trx, updated.id, patch.username)) ?? updated;
      }
      if (patch.timezone !== undefined) updated = await changeProfile(trx, updated, { timezone: patch.timezone });
      return { created: false, profileChanged: updated.profile_version !== user.profile_version, user: updated };
    });
  let result;
  try {
    // Only a generated name is worth another try; a name the caller chose is theirs to change.
    result = patch.username === undefined ? await withGeneratedNames(write) : await write();
  } catch (err) {
    if (isUniqueViolation(err, USERNAME_UNIQUE_INDEX)) return { kind: 'username_taken' };
    throw err;
  }
  if (result.profileChanged) ctx.nudge('profile');
  if (result.created) ctx.nudge('webhook');
  else ctx.publishChange(userChanged(result.user.id));
  return { kind: result.created ? 'created' : 'updated', user: await userView(ctx.db, result.user) };
}

export async function findExternalUser(ctx: AuthContext, externalId: string): Promise<UserView | undefined> {
  const user = await findUserByExternalId(ctx.db, externalId);
  return user ? userView(ctx.db, user) : undefined;
}

/**
 * POST /internal/users/external/resolve: the users behind a batch of external ids, creating the
 * unknown ones (no password, generated usernames, the timezone given with the first mention of
 * the id, else UTC) and queueing their first profile update, all in one transaction. Known users
 * are left as they are (their timezone is theirs to change). One answer per distinct id, in the
 * order of first mention.
 */
export async function resolveExternalUsers(
  ctx: AuthContext,
  items: ReadonlyArray<{ externalId: string; timezone?: string }>,
): Promise<ResolveExternalUsersResponse> {
  const wanted = distinctExternalIds(items);
  const ids = wanted.map((w) => w.externalId);
  const { created, all } = await withGeneratedNames(() =>
    ctx.db.transaction().execute(async (trx) => {
      const inserted = await insertExternalUsers(
        trx,
        wanted.map((w) => ({ externalId: w.externalId, username: generatedUsername(), timezone: w.timezone })),
      );
      await insertOutboxRows(
        trx,
        inserted.map((u) => u.id),
        'profile',
      );
      await enqueueWebhookMessages(trx, inserted.map(userCreatedMessage));
      return { created: new Set(inserted.map((u) => u.external_id)), all: await findUsersByExternalIds(trx, ids) };
    }),
  );
  if (created.size > 0) ctx.nudge('profile');
  ctx.nudge('webhook');
  const byId = new Map(all.map((u) => [u.external_id, u]));
  const order = [...new Set(items.map((i) => i.externalId))];
  return {
    users: order.map((externalId) => {
      const user = byId.get(externalId);
      if (!user) throw new Error(`external user ${externalId} was neither found nor created`);
      return { externalId, created: created.has(externalId), user: toInternalUser(user) };
    }),
  };
}
