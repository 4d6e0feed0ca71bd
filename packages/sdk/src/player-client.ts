/** The player's side: a browser or app signed in as one player, calling `/api/v1/me/*` and `/api/v1/events`. */
import type { Client } from 'openapi-fetch';
import { unwrap } from './errors.js';
import type { paths } from './generated/openapi.js';
import { liveStream, type StreamOptions } from './stream.js';
import type { FetchFn, Session, SessionListener, Transport } from './transport.js';
import type { ClaimResult, EventResult, LedgerPage, LoginResult, PlayerEventInput, QuestView, RefreshResult, SignupInput, StreamEvent, User } from './types.js';

export interface PlayerClient {
  readonly mode: 'player';
  /** The typed openapi-fetch client for every other call (the session's token is added, refreshed when it expired). */
  readonly raw: Client<paths>;
  /** The current tokens (after refreshes), or undefined when signed out. */
  session(): Session | undefined;
  signup(input: SignupInput): Promise<User>;
  /** Signs in: the session is kept (and given to `onSession`). */
  login(username: string, password: string): Promise<LoginResult>;
  /** Ends the session on the server and here. */
  logout(): Promise<void>;
  /**
   * Trades the refresh token for a new pair now, e.g. at start-up for a session restored from a
   * stored refresh token (calls do it by themselves when needed; this shares their refresh). The
   * answer carries the user. Undefined when there is no refresh token or it was refused (the session
   * ended: `onSession(null, reason)`); a failing server throws a QuestlineError, the network a TypeError.
   */
  refresh(): Promise<RefreshResult | undefined>;
  me(): Promise<User>;
  myQuests(): Promise<QuestView[]>;
  /** Pays every unclaimed completion of the quest; NOTHING_TO_CLAIM when there is none. Not retried. */
  claim(questKey: string): Promise<ClaimResult>;
  /** One page of the player's ledger, newest first. */
  ledger(page?: { limit?: number; cursor?: string }): Promise<LedgerPage>;
  /** Reports one of the player's own events; an `id` is generated when absent, so a retry counts once. */
  sendEvent(event: PlayerEventInput): Promise<EventResult>;
  /** The live stream: `for await (const e of ql.stream({ signal }))`. */
  stream(options?: StreamOptions): AsyncGenerator<StreamEvent, void, undefined>;
}

export interface PlayerDeps {
  baseUrl: string;
  raw: Client<paths>;
  transport: Transport;
  baseFetch: typeof fetch;
  onSession?: SessionListener;
}

export function playerClient({ baseUrl, raw, transport, baseFetch, onSession }: PlayerDeps): PlayerClient {
  const idempotent: { fetch: FetchFn } = { fetch: transport.idempotentFetch };
  return {
    mode: 'player',
    raw,
    session: () => transport.session(),
    async signup(input) {
      return (await unwrap(raw.POST('/api/v1/auth/signup', { body: input }))).user;
    },
    async login(username, password) {
      const result = await unwrap(raw.POST('/api/v1/auth/login', { body: { username, password } }));
      const session = { accessToken: result.accessToken, refreshToken: result.refreshToken };
      transport.setSession(session);
      onSession?.({ ...session });
      return result;
    },
    async logout() {
      const refreshToken = transport.session()?.refreshToken;
      if (refreshToken) await unwrap(raw.POST('/api/v1/auth/logout', { body: { refreshToken } }));
      transport.setSession(undefined);
      onSession?.(null);
    },
    refresh: () => transport.refresh(),
    async me() {
      return (await unwrap(raw.GET('/api/v1/me'))).user;
    },
    async myQuests() {
      return (await unwrap(raw.GET('/api/v1/me/quests'))).items;
    },
    claim(questKey) {
      return unwrap(raw.POST('/api/v1/me/quests/{key}/claim', { params: { path: { key: questKey } } }));
    },
    ledger(page = {}) {
      return unwrap(raw.GET('/api/v1/me/ledger', { params: { query: { limit: page.limit ?? 50, ...(page.cursor ? { cursor: page.cursor } : {}) } } }));
    },
    sendEvent(event) {
      return unwrap(raw.POST('/api/v1/events', { body: { ...event, id: event.id ?? crypto.randomUUID() }, ...idempotent }));
    },
    stream(options) {
      const ticket = async (signal: AbortSignal) => (await unwrap(raw.POST('/api/v1/me/stream-tickets', { signal }))).ticket;
      return liveStream({ baseUrl, baseFetch, ticket }, options);
    },
  };
}
