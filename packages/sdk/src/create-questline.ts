/**
 * `createQuestline`: a server with an API key, or a player with a session (or none yet, to sign up
 * and log in). Both are thin layers over the typed openapi-fetch client generated from the
 * gateway's OpenAPI document, which each exposes as `raw`.
 */
import createClient from 'openapi-fetch';
import type { paths } from './generated/openapi.js';
import { playerClient, type PlayerClient } from './player-client.js';
import { retryPolicy, type RetryOptions } from './retry.js';
import { serverClient, type ServerClient } from './server-client.js';
import { createTransport, type RefreshLock, type RefreshOn, type Session, type SessionListener } from './transport.js';

interface CommonOptions {
  /** The gateway's origin, e.g. `https://quests.example.com` (the paths carry `/api/v1`); `''` for the page's own origin. */
  baseUrl: string;
  /** Retries of idempotent calls; `false` turns them off. */
  retries?: RetryOptions | false;
  /** A fetch to send with (default: the global one). */
  fetch?: typeof fetch;
}

export interface ServerOptions extends CommonOptions {
  /** `qlk_…`, sent as `Authorization: Bearer qlk_…`. Keep it on the server. */
  apiKey: string;
}

export interface PlayerOptions extends CommonOptions {
  apiKey?: undefined;
  /** The player's tokens (from a login, or a session minted by the product's server). */
  session?: Session;
  /**
   * Where the tokens are read from before every call and every refresh, instead of the client's own
   * copy (`session` is then ignored; store what `onSession` tells). For tokens that others may
   * rotate too: the tabs of a browser sharing a refresh token in `localStorage`, a native shell.
   */
  getSession?: () => Session | undefined;
  /** Told of each new token pair (to store it), and of `null` when the session ended (with the refusal as `reason`). */
  onSession?: SessionListener;
  /**
   * Which 401 answered to the access token makes the SDK refresh it and send the call again:
   * `'expired'` (default) only when the token's own `exp` says it expired; `'unauthorized'` any 401
   * but INVALID_CREDENTIALS (a clock that runs late, a token the server stopped accepting).
   */
  refreshOn?: RefreshOn;
  /**
   * Runs each refresh inside a lock, for clients that share one refresh token (it rotates, and a
   * reused one revokes the whole session): e.g. a Web Lock across tabs,
   * `(refresh) => navigator.locks.request('questline.refresh', refresh)`. The token is read inside.
   */
  refreshLock?: RefreshLock;
}

export function createQuestline(options: ServerOptions): ServerClient;
export function createQuestline(options: PlayerOptions): PlayerClient;
export function createQuestline(options: ServerOptions | PlayerOptions): ServerClient | PlayerClient {
  // An empty key (an unset environment variable) would make a server client that sends no credential.
  if (options.apiKey !== undefined && !/^qlk_\S+$/.test(options.apiKey)) throw new TypeError('apiKey must be a Questline API key (qlk_…)');
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  // Called as a plain function: a browser's fetch refuses any `this` but the window.
  const given = options.fetch;
  const baseFetch: typeof fetch = given ? (input, init) => given(input, init) : (input, init) => globalThis.fetch(input, init);
  const player = options.apiKey === undefined ? options : undefined;
  const onSession = player?.onSession;
  const transport = createTransport({
    baseUrl,
    apiKey: options.apiKey,
    session: player?.session,
    getSession: player?.getSession,
    onSession,
    refreshOn: player?.refreshOn,
    refreshLock: player?.refreshLock,
    retry: retryPolicy(options.retries),
    baseFetch,
  });
  const raw = createClient<paths>({ baseUrl, fetch: transport.fetch });
  if (options.apiKey !== undefined) return serverClient({ raw, transport });
  return playerClient({ baseUrl, raw, transport, baseFetch, onSession });
}
