import { webhookMessageId, type ProgressWebhookMessage } from '@questline/contracts';
import type { WebhookEventType } from '../db/webhook-messages.repository.js';
import { toLedgerEntryView, type LedgerEntryRecord } from './grants.js';
import { toUserView, type UserRecord, type UserView } from './users.js';

/** A webhook message as auth's causes write it (api.md v1.2 event types and their data). */
export interface WebhookMessageInput {
  id: string;
  type: WebhookEventType;
  data: unknown;
}

/**
 * One message per ledger entry: `reward.granted` for a credit, `wallet.debited` for a debit. The id
 * comes from the entry's, which its grant's transaction creates once (a repeated key pays nothing).
 */
export function ledgerMessages(user: Pick<UserRecord, 'id' | 'external_id'>, entries: readonly LedgerEntryRecord[]): WebhookMessageInput[] {
  return entries.map((entry) => {
    const type = entry.amount >= 0 ? 'reward.granted' : 'wallet.debited';
    return { id: webhookMessageId(type, entry.id), type, data: { userId: user.id, externalUserId: user.external_id, entry: toLedgerEntryView(entry) } };
  });
}

/**
 * A message progress caused (quest.completed, quest.claimed) as auth stores it: progress does not
 * know the product's ids, so `externalUserId` is filled in here (null for a user auth does not
 * have: the event happened all the same). Dated by its cause, not by its arrival.
 */
export function progressMessage(message: ProgressWebhookMessage, externalUserId: string | null): WebhookMessageInput & { at: Date } {
  const { userId, ...rest } = message.data;
  return { id: message.id, type: message.type, data: { userId, externalUserId, ...rest }, at: new Date(message.at) };
}

/** `user.created`: a user is created once, so its id names the message. A new user has no balances yet. */
export function userCreatedMessage(user: UserRecord): WebhookMessageInput {
  return { id: webhookMessageId('user.created', user.id), type: 'user.created', data: { user: toUserView(user) } };
}

/**
 * `user.banned` / `user.unbanned` when the status crossed the line, none otherwise. Each change
 * bumps the profile version, which names the message (a ban, an unban and a ban again are three).
 */
export function banMessage(before: UserRecord, after: UserRecord, view: UserView): WebhookMessageInput | undefined {
  const wasBanned = before.status === 'banned';
  const isBanned = after.status === 'banned';
  if (wasBanned === isBanned) return undefined;
  const type = isBanned ? 'user.banned' : 'user.unbanned';
  return { id: webhookMessageId(type, `${after.id}:${after.profile_version}`), type, data: { user: view } };
}
