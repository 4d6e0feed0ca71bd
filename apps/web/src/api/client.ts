import { BANNED_MESSAGE, currentAccessToken, signedIn, signedOut, storedRefreshToken } from './session';
import type { ApiErrorBody, TokenPair } from './types';

/** A failed call, in the API's error shape (network failures get status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface CallOptions {
  body?: unknown;
  /** Send the access token (and refresh it once on 401). Default true. */
  auth?: boolean;
  signal?: AbortSignal;
}

const BASE = '/api/v1';

async function send(method: string, path: string, opts: CallOptions, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  try {
    // no-cache: public catalog answers are cacheable for a few seconds, but an admin who just saved
    // (or a player waiting for a new quest) must see the change; revalidating with the ETag is cheap.
    return await fetch(BASE + path, { method, headers, body, signal: opts.signal, cache: 'no-cache' });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', 'The server cannot be reached. Check your connection and try again.');
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  let body: Partial<ApiErrorBody> = {};
  try {
    body = (await res.json()) as ApiErrorBody;
  } catch {
    // A proxy in between may answer with HTML: keep the status.
  }
  const e = body.error;
  if (!e) return new ApiError(res.status, `HTTP_${res.status}`, `The server answered ${res.status}.`);
  return new ApiError(res.status, e.code, e.message, e.field, e.requestId);
}

let refreshing: Promise<boolean> | null = null;

/**
 * Trades the stored refresh token for a new pair. Single-flight: the server rotates refresh tokens
 * and treats a reused one as theft (revoking the whole family), so two parallel 401s must share
 * one refresh.
 */
export function refreshSession(): Promise<boolean> {
  if (!refreshing) {
    // Other tabs share the stored token: a Web Lock (where available) makes their refreshes take
    // turns, each reading the newest token once it holds the lock.
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    // request() resolves to the callback's result, a boolean once the inner promise settles.
    const run = locks ? (locks.request('questline.refresh', refreshNow) as unknown as Promise<boolean>) : refreshNow();
    refreshing = run.finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function refreshNow(): Promise<boolean> {
  const refreshToken = storedRefreshToken();
  if (!refreshToken) return false;
  const res = await send('POST', '/auth/refresh', { body: { refreshToken }, auth: false }, null);
  if (res.ok) {
    signedIn((await res.json()) as TokenPair);
    return true;
  }
  const err = await errorOf(res);
  if (err.code === 'USER_BANNED') signedOut({ kind: 'banned', text: BANNED_MESSAGE });
  else if (res.status === 401 || res.status === 400) signedOut({ kind: 'expired', text: 'Your session has ended. Please log in again.' });
  else throw err;
  return false;
}

/** One call to the public API; resolves to the parsed JSON body (undefined for 204). */
export async function api<T>(method: string, path: string, opts: CallOptions = {}): Promise<T> {
  const auth = opts.auth ?? true;
  let token = auth ? currentAccessToken() : null;
  if (auth && !token) {
    if (!(await refreshSession())) throw new ApiError(401, 'UNAUTHENTICATED', 'Please log in.');
    token = currentAccessToken();
  }
  let res = await send(method, path, opts, token);
  if (res.status === 401 && auth) {
    // The access token expired (15 min): refresh once, then retry the call once.
    if (!(await refreshSession())) throw new ApiError(401, 'UNAUTHENTICATED', 'Please log in.');
    res = await send(method, path, opts, currentAccessToken());
  }
  if (res.status === 204) return undefined as T;
  if (!res.ok) {
    const err = await errorOf(res);
    if (err.code === 'USER_BANNED' && auth) signedOut({ kind: 'banned', text: BANNED_MESSAGE });
    throw err;
  }
  return (await res.json()) as T;
}

/** Builds `?a=1&b=2` from the defined values. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A random idempotency key (crypto.randomUUID needs a secure context; this does not). */
export function newKey(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `${prefix}-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
