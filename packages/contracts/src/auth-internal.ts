import { Type, type Static } from '@sinclair/typebox';
import { RewardItem } from './quest.js';
import { ProgressWebhookMessage } from './webhook-messages.js';

/** GET /internal/users/:id on auth → what other services may know about a user. */
export const InternalUser = Type.Object({
  id: Type.String({ format: 'uuid' }),
  username: Type.String(),
  /** The product's own id for the user (api.md v1.1); optional so that older auth answers still pass. */
  externalId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  role: Type.Union([Type.Literal('player'), Type.Literal('admin')]),
  status: Type.Union([Type.Literal('new'), Type.Literal('active'), Type.Literal('banned')]),
  timezone: Type.String(),
});
export type InternalUser = Static<typeof InternalUser>;

export const GrantSource = Type.Object(
  {
    type: Type.Union([Type.Literal('quest'), Type.Literal('admin')]),
    questKey: Type.Optional(Type.String({ maxLength: 64 })),
    completion: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type GrantSource = Static<typeof GrantSource>;

/**
 * POST /internal/grants on auth. Idempotent on `idempotencyKey`: the first call pays
 * (201), every later call with the same key returns the same entries (200) and pays nothing.
 * Progress uses the key `quest:<userId>:<questKey>:<completion>`.
 */
export const GrantRequest = Type.Object(
  {
    userId: Type.String({ format: 'uuid' }),
    idempotencyKey: Type.String({ minLength: 1, maxLength: 200 }),
    items: Type.Array(RewardItem, { maxItems: 20 }),
    xp: Type.Optional(Type.Integer({ minimum: 0 })),
    badge: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    reason: Type.String({ minLength: 1, maxLength: 200 }),
    source: GrantSource,
    /**
     * The webhook message of the completion this grant pays (quest.completed of an auto-claim
     * completion; its `data.userId` is the grant's `userId`), which progress would otherwise hand
     * over on its own: auth stores it in the grant's transaction whatever the grant's outcome (paid,
     * paid before, unknown user), idempotent on its id. One hand-over instead of two.
     */
    message: Type.Optional(ProgressWebhookMessage),
  },
  { additionalProperties: false },
);
export type GrantRequest = Static<typeof GrantRequest>;

export const GrantResponse = Type.Object({
  duplicate: Type.Boolean(),
  entryIds: Type.Array(Type.String({ format: 'uuid' })),
});
export type GrantResponse = Static<typeof GrantResponse>;

/** Grants one POST /internal/grants/batch carries at most (progress's relay sends no more). */
export const GRANT_BATCH_MAX = 500;

/**
 * POST /internal/grants/batch on auth: up to GRANT_BATCH_MAX grants applied in one transaction,
 * each exactly as POST /internal/grants would (idempotent per key; the same key twice in a batch
 * pays once). One bad grant refuses the whole batch (400, nothing written); a user auth does not
 * know is that item's outcome only. Answers 200 with one result per grant, in the request's order.
 */
export const GrantBatchRequest = Type.Object({ grants: Type.Array(GrantRequest, { minItems: 1, maxItems: GRANT_BATCH_MAX }) }, { additionalProperties: false });
export type GrantBatchRequest = Static<typeof GrantBatchRequest>;

export const GrantBatchResult = Type.Object({
  idempotencyKey: Type.String(),
  /** applied: paid now; duplicate: the key was paid before (entryIds are that payment's); unknown_user: nothing paid, never will be. */
  status: Type.Union([Type.Literal('applied'), Type.Literal('duplicate'), Type.Literal('unknown_user')]),
  entryIds: Type.Array(Type.String({ format: 'uuid' })),
});
export type GrantBatchResult = Static<typeof GrantBatchResult>;

export const GrantBatchResponse = Type.Object({ results: Type.Array(GrantBatchResult) });
export type GrantBatchResponse = Static<typeof GrantBatchResponse>;

export function questGrantKey(userId: string, questKey: string, completion: number): string {
  return `quest:${userId}:${questKey}:${completion}`;
}

/**
 * POST /internal/users/:id/profile on progress, sent by auth (through its outbox) whenever a user's
 * status, role or timezone changes, and at signup. `version` grows with every change of that user;
 * progress keeps the highest version it has seen and ignores older deliveries, so retries and
 * reordering are harmless. Progress answers 204.
 */
export const UserProfileUpdate = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    role: Type.Union([Type.Literal('player'), Type.Literal('admin')]),
    status: Type.Union([Type.Literal('new'), Type.Literal('active'), Type.Literal('banned')]),
    timezone: Type.String({ minLength: 1, maxLength: 64, format: 'iana-timezone' }),
    version: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type UserProfileUpdate = Static<typeof UserProfileUpdate>;

/** Profiles one POST /internal/users/profiles carries at most (auth's relay sends no more). */
export const PROFILE_BATCH_MAX = 500;

/**
 * POST /internal/users/profiles on progress: several users' profile updates in one request, each
 * applied as POST /internal/users/:id/profile would (the highest version wins; an older or equal
 * one is acknowledged and changes nothing). One bad profile refuses the batch (400). Answers 204.
 */
export const UserProfileUpdates = Type.Object({ profiles: Type.Array(UserProfileUpdate, { minItems: 1, maxItems: PROFILE_BATCH_MAX }) }, { additionalProperties: false });
export type UserProfileUpdates = Static<typeof UserProfileUpdates>;

/** api.md v1.1: a product's own id for a user: 1–128 chars of `[A-Za-z0-9_.:@-]`, unique. */
export const ExternalId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:@-]+$' });

/**
 * POST /internal/users/external/resolve on auth: the users behind external ids, creating the unknown
 * ones (with the given timezone, else UTC; no password). Progress calls it for server events that
 * name `externalUserId`. Idempotent: the same ids resolve to the same users (`created` only once).
 */
export const ResolveExternalUsersRequest = Type.Object(
  {
    users: Type.Array(
      Type.Object({ externalId: ExternalId, timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, format: 'iana-timezone' })) }, { additionalProperties: false }),
      { minItems: 1, maxItems: 1000 },
    ),
  },
  { additionalProperties: false },
);
export type ResolveExternalUsersRequest = Static<typeof ResolveExternalUsersRequest>;

export const ResolveExternalUsersResponse = Type.Object({
  users: Type.Array(Type.Object({ externalId: Type.String(), created: Type.Boolean(), user: InternalUser })),
});
export type ResolveExternalUsersResponse = Static<typeof ResolveExternalUsersResponse>;

/** POST /internal/stream-tickets/redeem (the gateway, for GET /api/v1/me/stream?ticket=…). */
export const StreamTicketRedeemRequest = Type.Object({ ticket: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export type StreamTicketRedeemRequest = Static<typeof StreamTicketRedeemRequest>;
export const StreamTicketRedemption = Type.Object({ user: InternalUser });
export type StreamTicketRedemption = Static<typeof StreamTicketRedemption>;
