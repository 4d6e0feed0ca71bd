/**
 * The fetch functions the typed client sends through: they add the credential (an API key, or the
 * player's access token, refreshed once when it expired), and retry what is safe to send twice.
 */
import { withRetries, type RetryPolicy } from './retry.js';

/** A player's tokens. A session minted by a product's server has no refresh token: it cannot be renewed. */
export interface Session {
  accessToken: string;
  refreshToken?: string;
}

/** Told of every new pair after a refresh or a login, and of `null` when the session ended (the refresh token was refused). */
export type SessionListener = (session: Session | null) => void;

export type FetchFn = (request: Request) => Promise<Response>;

export interface Transport {
  /** Retries only what is idempotent by itself: GET/HEAD, and requests that carry an `Idempotency-Key` header. */
  fetch: FetchFn;
  /** Retries whatever it sends: for calls the SDK knows to be idempotent (an event id, an idempotency key in the body). */
  idempotentFetch: FetchFn;
  session(): Session | undefined;
  setSession(session: Session | undefined): void;
}

export interface TransportOptions {
  baseUrl: string;
  apiKey?: string;
  session?: Session;
  onSession?: SessionListener;
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
  let session = opts.session ? { ...opts.session } : undefined;
  let refreshing: Promise<Session | undefined> | undefined;

  const withToken = (request: Request, token: string | undefined): Request => {
    // A fresh copy per attempt: a body can be read only once.
    const copy = request.clone();
    if (!token) return copy;
    const headers = new Headers(copy.headers);
    headers.set('authorization', `Bearer ${token}`);
    return new Request(copy, { headers });
  };

  /** One refresh at a time, whatever number of calls found the token expired together. */
  const refresh = (): Promise<Session | undefined> =>
    (refreshing ??= (async () => {
      const refreshToken = session?.refreshToken;
      if (!refreshToken) return undefined;
      // Never retried: a refresh spends the refresh token, so a second try could revoke the family.
      const res = await opts.baseFetch(`${opts.baseUrl}/api/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken }),
      });
      if (res.ok) {
        const body = (await res.json()) as { accessToken: string; refreshToken: string };
        session = { accessToken: body.accessToken, refreshToken: body.refreshToken };
        opts.onSession?.({ ...session });
        return session;
      }
      await res.body?.cancel().catch(() => undefined);
      // Refused (spent, revoked, banned): the player has to sign in again. A server in trouble
      // (5xx, 429) ends nothing; the caller gets the original 401 and may try again later.
      if (res.status === 401 || res.status === 403) {
        session = undefined;
        opts.onSession?.(null);
      }
      return undefined;
    })().finally(() => (refreshing = undefined)));

  const authorized: FetchFn = async (request) => {
    // A call that names its own credential (an admin token through the raw client) keeps it.
    if (request.headers.has('authorization')) return opts.baseFetch(request.clone());
    if (opts.apiKey) return opts.baseFetch(withToken(request, opts.apiKey));
    const sent = session?.accessToken;
    const res = await opts.baseFetch(withToken(request, sent));
    if (res.status !== 401 || !sent) return res;
    let next: string | undefined;
    if (session && session.accessToken !== sent) next = session.accessToken; // another call refreshed meanwhile
    else if (isExpired(sent)) next = (await refresh())?.accessToken;
    if (!next) return res;
    await res.body?.cancel().catch(() => undefined);
    return opts.baseFetch(withToken(request, next));
  };

  const safe = (request: Request) => request.method === 'GET' || request.method === 'HEAD' || request.headers.has('idempotency-key');
  return {
    fetch: (request) => (safe(request) ? withRetries(opts.retry, request.signal, () => authorized(request)) : authorized(request)),
    idempotentFetch: (request) => withRetries(opts.retry, request.signal, () => authorized(request)),
    session: () => (session ? { ...session } : undefined),
    setSession: (s) => {
      session = s ? { ...s } : undefined;
    },
  };
}
