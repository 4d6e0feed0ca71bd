/**
 * The fetch functions the typed client sends through: they add the credential (an API key, or the
 * player's access token, refreshed once when it expired), and retry what is safe to send twice.
 */
import { errorFromResponse, type QuestlineError } from './errors.js';
import { withRetries, type RetryPolicy } from './retry.js';
import type { RefreshResult } from './types.js';

/**
 * A player's tokens. A session minted by a product's server has no refresh token: it cannot be
 * renewed. One restored from a stored refresh token alone (an app that keeps the access token in
 * memory only) has no access token yet: the first call refreshes it.
 */
export interface Session {
  accessToken?: string;
  refreshToken?: string;
}

/**
 * Told of every new pair after a refresh or a login, and of `null` when the session ended: after
 * `logout()` (no `reason`), or because the refresh token was refused (`reason` is that refusal, e.g.
 * `USER_BANNED` or `INVALID_TOKEN`), so that the app can say why.
 */
export type SessionListener = (session: Session | null, reason?: QuestlineError) => void;

export type FetchFn = (request: Request) => Promise<Response>;

export interface Transport {
  /** Retries only what is idempotent by itself: GET/HEAD, and requests that carry an `Idempotency-Key` header. */
  fetch: FetchFn;
  /** Retries whatever it sends: for calls the SDK knows to be idempotent (an event id, an idempotency key in the body). */
  idempotentFetch: FetchFn;
  session(): Session | undefined;
  setSession(session: Session | undefined): void;
  /**
   * Trades the refresh token for a new pair now (shared with the refreshes calls make). Undefined
   * when there is no refresh token or it was refused (the session ended); a failing server is
   * thrown as a QuestlineError, a network failure as fetch's TypeError.
   */
  refresh(): Promise<RefreshResult | undefined>;
}

/** When a 401 answered to the player's access token makes the SDK refresh it (see PlayerOptions.refreshOn). */
export type RefreshOn = 'expired' | 'unauthorized';

/** Runs a refresh inside a lock (see PlayerOptions.refreshLock). */
export type RefreshLock = <T>(refresh: () => Promise<T>) => Promise<T>;

export interface TransportOptions {
  baseUrl: string;
  apiKey?: string;
  session?: Session;
  /** When given, the tokens are read from here before every call and refresh, not kept in memory. */
  getSession?: () => Session | undefined;
  onSession?: SessionListener;
  refreshOn?: RefreshOn;
  refreshLock?: RefreshLock;
  retry: RetryPolicy;
  baseFetch: typeof fetch;
}

// A token this close to its expiry counts as expired: the two clocks need not agree to the second.
const EXPIRY_SKEW_MS = 60_000;

/** The `exp` of a JWT in ms, read without verifying it (the server does that); undefined if it is no JWT. */
export function tokenExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

const isExpired = (token: string) => {
  const exp = tokenExpiry(token);
  return exp !== undefined && exp <= Date.now() + EXPIRY_SKEW_MS;
};

export function createTransport(opts: TransportOptions): Transport {
  let kept = opts.session ? { ...opts.session } : undefined;
  const current = (): Session | undefined => (opts.getSession ? opts.getSession() : kept);
  const keep = (next: Session | undefined) => {
    if (!opts.getSession) kept = next ? { ...next } : undefined;
  };
  let refreshing: Promise<RefreshResult | undefined> | undefined;

  const withToken = (request: Request, token: string | undefined): Request => {
    // A fresh copy per attempt: a body can be read only once.
    const copy = request.clone();
    if (!token) return copy;
    const headers = new Headers(copy.headers);
    headers.set('authorization', `Bearer ${token}`);
    return new Request(copy, { headers });
  };

  const refreshNow = async (): Promise<RefreshResult | undefined> => {
    // Read here, inside the lock: another holder of the same stored token may have rotated it.
    const refreshToken = current()?.refreshToken;
    if (!refreshToken) return undefined;
    // Never retried: a refresh spends the refresh token, so a second try could revoke the family.
    const res = await opts.baseFetch(`${opts.baseUrl}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
    if (res.ok) {
      const body = (await res.json()) as RefreshResult;
      const next = { accessToken: body.accessToken, refreshToken: body.refreshToken };
      keep(next);
      opts.onSession?.({ ...next });
      return body;
    }
    const error = errorFromResponse(res, await res.json().catch(() => undefined));
    // Refused (spent, revoked, malformed, banned): the player has to sign in again. A server in
    // trouble (5xx, 429) ends nothing.
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      keep(undefined);
      opts.onSession?.(null, error);
      return undefined;
    }
    throw error;
  };

  /** One refresh at a time, whatever number of calls found the token expired together. */
  const refresh = (): Promise<RefreshResult | undefined> =>
    (refreshing ??= (opts.refreshLock ? opts.refreshLock(refreshNow) : refreshNow()).finally(() => (refreshing = undefined)));

  /** The new access token for a call, or undefined when none could be had (the caller keeps its 401). */
  const refreshedToken = () => refresh().then(
    (result) => result?.accessToken,
    // A failing server: the call's own answer says enough.
    () => undefined,
  );

  const worthRefreshing = async (res: Response, sent: string): Promise<boolean> => {
    if (isExpired(sent)) return true;
    if (opts.refreshOn !== 'unauthorized') return false;
    // Any 401 to the token, but a wrong password (a login made while signed in) is no stale token.
    const code = (await res.clone().json().catch(() => undefined) as { error?: { code?: unknown } } | undefined)?.error?.code;
    return code !== 'INVALID_CREDENTIALS';
  };

  const authorized: FetchFn = async (request) => {
    // A call that names its own credential (an admin token through the raw client) keeps it.
    if (request.headers.has('authorization')) return opts.baseFetch(request.clone());
    if (opts.apiKey) return opts.baseFetch(withToken(request, opts.apiKey));
    let sent = current()?.accessToken;
    // A session restored from its refresh token alone: get an access token first.
    if (!sent && current()?.refreshToken) sent = await refreshedToken();
    const res = await opts.baseFetch(withToken(request, sent));
    if (res.status !== 401 || !sent) return res;
    const now = current()?.accessToken;
    let next: string | undefined;
    if (now && now !== sent) next = now; // another call refreshed meanwhile
    else if (await worthRefreshing(res, sent)) next = await refreshedToken();
    if (!next) return res;
    await res.body?.cancel().catch(() => undefined);
    return opts.baseFetch(withToken(request, next));
  };

  const safe = (request: Request) => request.method === 'GET' || request.method === 'HEAD' || request.headers.has('idempotency-key');
  return {
    fetch: (request) => (safe(request) ? withRetries(opts.retry, request.signal, () => authorized(request)) : authorized(request)),
    idempotentFetch: (request) => withRetries(opts.retry, request.signal, () => authorized(request)),
    session: () => {
      const s = current();
      return s ? { ...s } : undefined;
    },
    setSession: keep,
    refresh,
  };
}
