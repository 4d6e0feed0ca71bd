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
import { createTransport, type Session, type SessionListener } from './transport.js';

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
  /** Told of each new token pair (to store it), and of `null` when the session ended. */
  onSession?: SessionListener;
}

export function createQuestline(options: ServerOptions): ServerClient;
export function createQuestline(options: PlayerOptions): PlayerClient;
export function createQuestline(options: ServerOptions | PlayerOptions): ServerClient | PlayerClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  // Called as a plain function: a browser's fetch refuses any `this` but the window.
  const given = options.fetch;
  const baseFetch: typeof fetch = given ? (input, init) => given(input, init) : (input, init) => globalThis.fetch(input, init);
  const onSession = options.apiKey === undefined ? options.onSession : undefined;
  const transport = createTransport({
    baseUrl,
    apiKey: options.apiKey,
    session: options.apiKey === undefined ? options.session : undefined,
    onSession,
    retry: retryPolicy(options.retries),
    baseFetch,
  });
  const raw = createClient<paths>({ baseUrl, fetch: transport.fetch });
  if (options.apiKey !== undefined) return serverClient({ raw, transport });
  return playerClient({ baseUrl, raw, transport, baseFetch, onSession });
}
