import { api, refreshSession } from './client';
import { signedIn, signedOut, storedRefreshToken, userChanged } from './session';
import type { TokenPair, User } from './types';
import { currentName } from '../lib/timezones';

export function browserTimezone(): string {
  try {
    // Under its current IANA name: browsers still say Asia/Calcutta for Kolkata.
    return currentName(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  } catch {
    return 'UTC';
  }
}

export async function signup(username: string, password: string, timezone: string): Promise<User> {
  const res = await api<{ user: User }>('POST', '/auth/signup', { body: { username, password, timezone }, auth: false });
  return res.user;
}

export async function login(username: string, password: string): Promise<User> {
  const tokens = await api<TokenPair>('POST', '/auth/login', { body: { username, password }, auth: false });
  signedIn(tokens);
  return tokens.user;
}

export async function logout(): Promise<void> {
  const refreshToken = storedRefreshToken();
  try {
    // Revoke the refresh token server-side; the local session ends whatever the answer.
    if (refreshToken) await api('POST', '/auth/logout', { body: { refreshToken } });
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
    if (!(await refreshSession())) return;
  } catch {
    // The server is unreachable or failing: start signed out and say so.
    signedOut({ kind: 'expired', text: 'The server could not be reached. Please log in again.' });
  }
}

export async function reloadMe(): Promise<User> {
  const { user } = await api<{ user: User }>('GET', '/me');
  userChanged(user);
  return user;
}
