import { actorOf, type Principal } from '@questline/platform';
import type { AuthContext } from './auth-context.js';
import { insertAudit } from '../db/audit.repository.js';
import { lockUser } from '../db/users.repository.js';
import type { AccessTokenSigner } from '../domain/tokens.js';
import { changeProfile } from './profiles.use-case.js';

export type SessionOutcome =
  | { kind: 'ok'; accessToken: string; expiresIn: number }
  | { kind: 'not_found' }
  | { kind: 'user_banned' }
  /** Sessions are player sessions: minting an admin's would hand a key every scope. */
  | { kind: 'not_a_player' };

/**
 * POST /users/{id}/sessions: a player access token minted by the product's server, which logged
 * the player in itself. A `new` user becomes `active` (its first session, like a first login: the
 * profile version grows and progress is told), but the mint is not a login: no `login` event and
 * `lastLoginAt` stays as it is, because a product may mint a session on every page load (it sends
 * its own events for what should count). No refresh token: the product mints another. Audited, as
 * it lets the caller act as that player.
 */
export async function mintSession(
  ctx: AuthContext,
  signer: AccessTokenSigner,
  caller: Principal,
  userId: string,
  ttlSeconds: number,
): Promise<SessionOutcome> {
  const result = await ctx.db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, userId);
    if (!user) return { kind: 'not_found' as const };
    if (user.status === 'banned') return { kind: 'user_banned' as const };
    if (user.role !== 'player') return { kind: 'not_a_player' as const };
    const updated = user.status === 'new' ? await changeProfile(trx, user, { status: 'active' }) : user;
    await insertAudit(trx, { actorId: actorOf(caller), action: 'user.session_created', entity: 'user', entityKey: userId, details: { ttlSeconds } });
    return { kind: 'ok' as const, user: updated, activated: updated !== user };
  });
  if (result.kind !== 'ok') return result;
  if (result.activated) ctx.nudge('profile');
  return { kind: 'ok', accessToken: await signer.sign(result.user, ttlSeconds), expiresIn: ttlSeconds };
}
