import { createStore } from '../lib/store';
import type { TokenPair, User } from './types';

/**
 * Who is signed in. The access token lives only in memory (never in storage a script could read
 * later); the refresh token is kept in localStorage so that a reload can start a new session.
 */
export type SessionState =
  | { phase: 'starting' }
  | { phase: 'anonymous'; notice?: Notice }
  | { phase: 'authenticated'; user: User };

export interface Notice {
  kind: 'banned' | 'expired' | 'logged-out';
  text: string;
}

export const BANNED_MESSAGE = 'Your account has been banned.';
const REFRESH_KEY = 'questline.refreshToken';

export const session = createStore<SessionState>({ phase: 'starting' });

let accessToken: string | null = null;

export function currentAccessToken(): string | null {
  return accessToken;
}

export function storedRefreshToken(): string | null {
  try {
    return localStorage.getItem(REFRESH_KEY);
  } catch {
    return null;
  }
}

function storeRefreshToken(token: string | null) {
  try {
    if (token) localStorage.setItem(REFRESH_KEY, token);
    else localStorage.removeItem(REFRESH_KEY);
  } catch {
    // Storage may be disabled (private mode): the session then lasts until the tab closes.
  }
}

export function signedIn(tokens: TokenPair) {
  accessToken = tokens.accessToken;
  storeRefreshToken(tokens.refreshToken);
  session.set({ phase: 'authenticated', user: tokens.user });
}

export function userChanged(user: User) {
  if (session.get().phase === 'authenticated') session.set({ phase: 'authenticated', user });
}

export function signedOut(notice?: Notice) {
  accessToken = null;
  storeRefreshToken(null);
  session.set(notice ? { phase: 'anonymous', notice } : { phase: 'anonymous' });
}

export function clearNotice() {
  const s = session.get();
  if (s.phase === 'anonymous' && s.notice) session.set({ phase: 'anonymous' });
}

export function currentUser(): User | null {
  const s = session.get();
  return s.phase === 'authenticated' ? s.user : null;
}
