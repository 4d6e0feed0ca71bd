import { createQuestline, QuestlineError, unwrap, type PlayerClient, type RefreshLock } from '@questline/sdk';
import { BANNED_MESSAGE, currentTokens, signedOut, tokensChanged } from './session';

/**
 * The app's calls go through @questline/sdk: its typed client sends them with the access token,
 * refreshes an expired one (one refresh at a time, across tabs too) and parses the API's errors.
 * What stays here is the app's side: where the tokens live (session.ts), what an ended session
 * shows, and errors in the shape the pages display.
 */

/** A failed call, in the API's error shape (network failures get status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly requestId?: string,
    /** Every failing field of a VALIDATION_FAILED (the first is also `field`). */
    readonly fields: ReadonlyArray<{ field: string; message: string }> = field ? [{ field, message }] : [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface CallOptions {
  body?: unknown;
  /**
   * false for the calls made signed out (signup, login, public reads): a USER_BANNED answer is then
   * the page's to show, not the end of a session. Default true.
   */
  auth?: boolean;
  signal?: AbortSignal;
}

const SESSION_ENDED = 'Your session has ended. Please log in again.';

/**
 * Other tabs share the stored refresh token, and refresh tokens rotate (a reused one revokes the
 * whole family): a Web Lock, where available, makes their refreshes take turns, each reading the
 * newest token once it holds the lock.
 */
function webLock(): RefreshLock | undefined {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  // request() resolves to what the callback's promise resolves to (lib.dom types it as the promise).
  return locks ? <T>(refresh: () => Promise<T>) => locks.request('questline.refresh', refresh) as unknown as Promise<T> : undefined;
}

/** The app's one SDK client, on the page's own origin. */
export const questline: PlayerClient = createQuestline({
  baseUrl: '',
  getSession: currentTokens,
  onSession: (tokens, reason) => {
    if (tokens) tokensChanged(tokens);
    else if (reason?.code === 'USER_BANNED') signedOut({ kind: 'banned', text: BANNED_MESSAGE });
    else if (reason) signedOut({ kind: 'expired', text: SESSION_ENDED });
    // No reason: a logout, which says so itself (auth.ts).
  },
  // Any 401 to the token is worth one refresh: the browser's clock may run late.
  refreshOn: 'unauthorized',
  refreshLock: webLock(),
  // no-cache: public catalog answers are cacheable for a few seconds, but an admin who just saved
  // (or a player waiting for a new quest) must see the change; revalidating with the ETag is cheap.
  fetch: (input, init) => fetch(input, { ...init, cache: 'no-cache' }),
});

/** A failure of the SDK as the pages show it; a ban ends the session wherever it is answered. */
function apiErrorOf(err: unknown, auth: boolean): unknown {
  if (err instanceof QuestlineError) {
    if (err.code === 'USER_BANNED' && auth) signedOut({ kind: 'banned', text: BANNED_MESSAGE });
    return new ApiError(err.status, err.code, err.message, err.field, err.requestId, err.fields);
  }
  // fetch's own failure (after the SDK's retries of what is safe to send again); an abort is the caller's.
  if (err instanceof TypeError) return new ApiError(0, 'NETWORK', 'The server cannot be reached. Check your connection and try again.');
  return err;
}

/** A call through the SDK client (a convenience method or its typed `raw` client), failing with an ApiError. */
export async function call<T>(run: (client: PlayerClient) => Promise<T>, opts: Pick<CallOptions, 'auth'> = {}): Promise<T> {
  try {
    return await run(questline);
  } catch (err) {
    throw apiErrorOf(err, opts.auth ?? true);
  }
}

type Untyped = (method: string, url: string, init: { body?: unknown; signal?: AbortSignal }) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

/**
 * One call to the public API by path (under /api/v1, with its query string); resolves to the
 * parsed JSON body (undefined for 204). For pages that build paths at run time; typed calls go
 * through `call()`.
 */
export function api<T>(method: string, path: string, opts: CallOptions = {}): Promise<T> {
  // The typed client checks paths known when compiling; these are built at run time.
  const request = questline.raw.request as unknown as Untyped;
  return call(() => unwrap(request(method, `/api/v1${path}`, { body: opts.body, signal: opts.signal })) as Promise<T>, opts);
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
