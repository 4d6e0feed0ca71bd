import type { User } from '../../api/types';
import type { Confirmation } from '../../components/confirm-dialog';

/** What an admin may change about a user (PATCH /admin/users/{id}). */
export type UserChange = { status: 'active' | 'banned' } | { role: 'player' | 'admin' };

/** What the confirmation of a change says will happen; null for one that needs none (an unban). */
export function changeConfirmation(user: User, change: UserChange): Confirmation | null {
  if ('status' in change) {
    return change.status === 'banned'
      ? {
          title: `Ban ${user.username}?`,
          body: `${user.username} is logged out at once and can no longer log in, refresh a session or make progress; their live stream ends. Their balances stay intact, and you can unban them later.`,
          confirmLabel: `Ban ${user.username}`,
          danger: true,
        }
      : null;
  }
  return change.role === 'admin'
    ? { title: `Make ${user.username} an admin?`, body: `${user.username} can then manage the catalog, users, API keys and webhooks, and make others admins.`, confirmLabel: 'Make admin', danger: true }
    : { title: `Make ${user.username} a player again?`, body: `${user.username} loses the admin area at their next request. The last admin cannot be demoted.`, confirmLabel: 'Make player' };
}
