import { webhookMessageId, type ProgressWebhookMessage, type ProgressWebhookType } from '@questline/contracts';
import type { RewardTotal } from './grant.js';

/** A webhook message progress causes, as its outbox keeps it until auth has it. */
export interface OutgoingWebhookMessage {
  id: string;
  type: ProgressWebhookType;
  /** The event's data (api.md v1.2) minus externalUserId, which auth fills in. */
  data: { userId: string } & Record<string, unknown>;
  at: Date;
}

/** `quest.completed` for one completion; a completion is recorded once, so its key names the message. */
export function questCompletedMessage(userId: string, questKey: string, completion: number, completedAt: Date, autoClaim: boolean): OutgoingWebhookMessage {
  return {
    id: webhookMessageId('quest.completed', `${userId}:${questKey}:${completion}`),
    type: 'quest.completed',
    data: { userId, questKey, completion, completedAt: completedAt.toISOString(), autoClaim },
    at: completedAt,
  };
}

/**
 * `quest.claimed` for one claim of a player (auto-claimed completions say so in quest.completed).
 * A completion is claimed once, so the first completion it pays names the message.
 */
export function questClaimedMessage(userId: string, questKey: string, completions: number[], rewarded: RewardTotal, at: Date): OutgoingWebhookMessage {
  return {
    id: webhookMessageId('quest.claimed', `${userId}:${questKey}:${completions[0] ?? 0}`),
    type: 'quest.claimed',
    data: { userId, questKey, completions, items: rewarded.items, xp: rewarded.xp, badge: rewarded.badge },
    at,
  };
}

/** A message as auth takes it (its date as an ISO string), in a hand-over or with a grant. */
export function wireMessage(message: OutgoingWebhookMessage): ProgressWebhookMessage {
  return { id: message.id, type: message.type, data: message.data, at: message.at.toISOString() };
}
