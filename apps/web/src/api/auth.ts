import { call, questline } from './client';
import { session, signedIn, signedOut, storedRefreshToken, userChanged } from './session';
import type { User } from './types';
import { currentName } from '../lib/timezones';

export function browserTimezone(): string {
  try {
    // Under its current IANA name: browsers still say Asia/Calcutta for Kolkata.
    return currentName(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  } catch {
    return 'UTC';
  }
}

export function signup(username: string, password: string, timezone: string): Promise<User> {
  return call((ql) => ql.signup({ username, password, timezone }), { auth: false });
}

export async function login(username: string, password: string): Promise<User> {
  // The SDK keeps the new pair through onSession (client.ts).
  const { user } = await call((ql) => ql.login(username, password), { auth: false });
  signedIn(user);
  return user;
}

export async function logout(): Promise<void> {
  try {
    // Revoke the refresh token server-side; the local session ends whatever the answer.
    await call((ql) => ql.logout());
  } catch {
    // Already expired or unreachable: nothing more to revoke from here.
  } finally {
    signedOut({ kind: 'logged-out', text: 'You have been logged out.' });
  }
}

/** At start-up: a stored refresh token becomes a session again, or the app starts signed out. */
export async function restoreSession(): Promise<void> {
  if (!storedRefreshToken()) return signedOut();
  try {
    const restored = await questline.refresh();
    if (restored) return signedIn(restored.user);
    // Refused: the client has signed out with the reason (client.ts); gone meanwhile (another tab): signed out.
    if (session.get().phase === 'starting') signedOut();
  } catch {
    // The server is unreachable or failing: start signed out and say so.
    signedOut({ kind: 'expired', text: 'The server could not be reached. Please log in again.' });
  }
}

export async function reloadMe(): Promise<User> {
  const user = await call((ql) => ql.me());
  userChanged(user);
  return user;
}
