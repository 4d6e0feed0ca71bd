import { createHash } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';

/** The webhook event types progress causes (api.md v1.2); auth causes the others itself. */
export const ProgressWebhookType = Type.Union([Type.Literal('quest.completed'), Type.Literal('quest.claimed')]);
export type ProgressWebhookType = Static<typeof ProgressWebhookType>;

/**
 * One message progress hands over. `id` is the webhook-id receivers de-duplicate on, derived from
 * the cause (see webhookMessageId), so a re-sent batch adds nothing. `data` is the event's data
 * without `externalUserId`: auth, which knows it, fills it in.
 */
export const ProgressWebhookMessage = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    type: ProgressWebhookType,
    data: Type.Object({ userId: Type.String({ format: 'uuid' }) }, { additionalProperties: true }),
    at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type ProgressWebhookMessage = Static<typeof ProgressWebhookMessage>;

/** Most messages one POST /internal/webhook-messages carries (progress's relay batch). */
export const WEBHOOK_MESSAGES_MAX = 200;

/** POST /internal/webhook-messages on auth: stored in one transaction, idempotent on each id. */
export const WebhookMessagesRequest = Type.Object(
  { messages: Type.Array(ProgressWebhookMessage, { minItems: 1, maxItems: WEBHOOK_MESSAGES_MAX }) },
  { additionalProperties: false },
);
export type WebhookMessagesRequest = Static<typeof WebhookMessagesRequest>;

export const WebhookMessagesResponse = Type.Object({
  /** Messages new to auth (the rest were stored by an earlier delivery). */
  stored: Type.Integer({ minimum: 0 }),
});
export type WebhookMessagesResponse = Static<typeof WebhookMessagesResponse>;

// A fixed namespace for the name-based (version 5) ids of webhook messages.
const NAMESPACE = Buffer.from('5f0d3a2e8c9b4e7aa1d26b3c4e5f6a7b', 'hex');

/**
 * A webhook message id derived from its type and its cause's own unique key (a ledger entry id, a
 * user id, `userId:questKey:completion`): a UUID version 5, so every retry of one cause names the
 * same message and the store's ON CONFLICT keeps one.
 */
export function webhookMessageId(type: string, causeKey: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(`${type}\u0000${causeKey}`).digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
