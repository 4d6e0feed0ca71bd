import type { ProgressWebhookMessage } from '@questline/contracts';
import type { AuthContext } from './auth-context.js';
import { findUsersByIds } from '../db/users.repository.js';
import { enqueueWebhookMessages } from '../db/webhook-messages.repository.js';
import { progressMessage } from '../domain/webhook-events.js';

/**
 * POST /internal/webhook-messages: progress's completions that wait for a claim, and its claims,
 * handed over by its outbox relay (an auto-claim completion's travels with its grant). One
 * transaction for the batch; messages stored by an earlier delivery of it add nothing. Returns how
 * many were new.
 */
export async function acceptProgressMessages(ctx: AuthContext, messages: readonly ProgressWebhookMessage[]): Promise<number> {
  const { stored, deliveries } = await ctx.db.transaction().execute(async (trx) => {
    const users = await findUsersByIds(trx, [...new Set(messages.map((m) => m.data.userId))]);
    const externalIds = new Map(users.map((u) => [u.id, u.external_id]));
    return enqueueWebhookMessages(
      trx,
      messages.map((m) => progressMessage(m, externalIds.get(m.data.userId) ?? null)),
    );
  });
  // Only deliveries give the relay work: a message no endpoint wants is not worth a pass of its lanes.
  if (deliveries > 0) ctx.nudge('webhook');
  return stored;
}
