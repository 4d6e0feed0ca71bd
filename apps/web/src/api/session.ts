import type { Session } from '@questline/sdk';
import { createStore } from '../lib/store';
import type { User } from './types';

/**
 * Who is signed in, and the tokens the SDK client reads before every call (client.ts). The access
 * token lives only in memory (never in storage a script could read later); the refresh token is
 * kept in localStorage so that a reload can start a new session, and so that tabs share it.
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

/** The tokens as they are now: after a reload, the stored refresh token alone (the SDK refreshes it first). */
export function currentTokens(): Session | undefined {
  const refreshToken = storedRefreshToken() ?? undefined;
  if (!accessToken && !refreshToken) return undefined;
  return { accessToken: accessToken ?? undefined, refreshToken };
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

/** A new pair from a login or a refresh (told by the SDK client). */
export function tokensChanged(tokens: Session) {
  accessToken = tokens.accessToken ?? null;
  storeRefreshToken(tokens.refreshToken ?? null);
}

export function signedIn(user: User) {
  session.set({ phase: 'authenticated', user });
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
