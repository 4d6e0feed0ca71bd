/** A product's server, with an API key: its own users by external id, their events, sessions and wallets. */
import type { Client } from 'openapi-fetch';
import { unwrap } from './errors.js';
import type { paths } from './generated/openapi.js';
import type { FetchFn, Transport } from './transport.js';
import type { BatchEventInput, BatchResult, DebitInput, EventInput, EventResult, ExternalUserInput, GrantInput, MintedSession, User, WalletEntry } from './types.js';

export interface ServerClient {
  readonly mode: 'server';
  /** The typed openapi-fetch client for every other call (the key is added). */
  readonly raw: Client<paths>;
  /** Creates or updates the user with the product's own id; `created` tells which. Retried (an upsert is idempotent). */
  upsertExternalUser(externalId: string, input?: ExternalUserInput): Promise<{ user: User; created: boolean }>;
  /** The user with the product's own id; NOT_FOUND when there is none. */
  getExternalUser(externalId: string): Promise<User>;
  /** One event for the user named by `userId` or `externalUserId`; an `id` is generated when absent. */
  sendEvent(event: EventInput): Promise<EventResult>;
  /** Up to 1000 events at once (each with `userId` or `externalUserId`); ids are generated where absent. */
  sendEvents(events: BatchEventInput[]): Promise<BatchResult>;
  /** A player access token for the user, for the product's own client (no refresh token). */
  mintSession(userId: string, options?: { ttlSeconds?: number }): Promise<MintedSession>;
  /** Takes from the user's wallet; INSUFFICIENT_FUNDS takes nothing. `replayed` when the idempotency key was seen before. */
  debit(userId: string, input: DebitInput): Promise<{ entry: WalletEntry; replayed: boolean }>;
  /** Credits the user's wallet (needs an admin-scoped credential); `replayed` as for debits. */
  grant(userId: string, input: GrantInput): Promise<{ entry: WalletEntry; replayed: boolean }>;
}

async function withStatus<T>(pending: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<{ data: T; status: number }> {
  const answer = await pending;
  return { data: await unwrap(Promise.resolve(answer)), status: answer.response.status };
}

export function serverClient({ raw, transport }: { raw: Client<paths>; transport: Transport }): ServerClient {
  // Calls that carry their own idempotency (an event id, an idempotency key, a PUT by external id).
  const idempotent: { fetch: FetchFn } = { fetch: transport.idempotentFetch };
  const id = () => crypto.randomUUID();
  return {
    mode: 'server',
    raw,
    async upsertExternalUser(externalId, input = {}) {
      const { data, status } = await withStatus(raw.PUT('/api/v1/users/external/{externalId}', { params: { path: { externalId } }, body: input, ...idempotent }));
      return { user: data.user, created: status === 201 };
    },
    async getExternalUser(externalId) {
      return (await unwrap(raw.GET('/api/v1/users/external/{externalId}', { params: { path: { externalId } } }))).user;
    },
    sendEvent(event) {
      return unwrap(raw.POST('/api/v1/events', { body: { ...event, id: event.id ?? id() }, ...idempotent }));
    },
    sendEvents(events) {
      const withIds = events.map((e) => ({ ...e, id: e.id ?? id() }));
      return unwrap(raw.POST('/api/v1/admin/events', { body: { events: withIds }, ...idempotent }));
    },
    mintSession(userId, options = {}) {
      return unwrap(raw.POST('/api/v1/users/{userId}/sessions', { params: { path: { userId } }, body: options }));
    },
    async debit(userId, input) {
      const { data, status } = await withStatus(raw.POST('/api/v1/users/{userId}/debits', { params: { path: { userId } }, body: input, ...idempotent }));
      return { entry: data.entry, replayed: status === 200 };
    },
    async grant(userId, input) {
      const { data, status } = await withStatus(raw.POST('/api/v1/admin/users/{userId}/grants', { params: { path: { userId } }, body: input, ...idempotent }));
      return { entry: data.entry, replayed: status === 200 };
    },
  };
}
