import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { WEBHOOK_MESSAGES_MAX, type WebhookMessagesRequest } from '@questline/contracts';
import { createOutboxRelay, outcomeOfAnswer, retryLater, type OutboxRelay, type OutboxRelayMetrics, type ServiceClient } from '@questline/platform';
import type { ProgressDatabase } from '../db/schema.js';
import { webhookOutboxStore, type PendingWebhookMessage } from '../db/webhook-outbox.repository.js';
import { wireMessage } from '../domain/webhook-messages.js';

const BASE_BACKOFF_MS = 500;
/** As the grant relay's (grant-relay.ts): a busy moment's completions leave in one request, not one pass per commit. */
const WEBHOOK_NUDGE_DELAY_MS = 20;

export type WebhookRelay = OutboxRelay;

export interface WebhookRelayOptions {
  pollMs: number;
  maxBackoffMs: number;
  /** How long a claimed message is this relay's (longer than twice auth's HTTP timeout). */
  leaseMs: number;
  log: FastifyBaseLogger;
  metrics?: OutboxRelayMetrics;
}

export function webhookMessagesBody(rows: readonly PendingWebhookMessage[]): WebhookMessagesRequest {
  return { messages: rows.map((r) => wireMessage({ id: r.id, type: r.type, data: r.data, at: r.occurred_at })) };
}

/**
 * Hands webhook_outbox rows to auth's POST /internal/webhook-messages, a whole claimed batch in one
 * request (auth stores it in one transaction), through the platform relay. Auth is idempotent on
 * each message id, so a batch re-sent after a crash or a lost answer stores nothing twice. Every
 * refusal is retried: a message is never dropped for a reason a later deploy could fix.
 */
export function createWebhookRelay(db: Kysely<ProgressDatabase>, auth: ServiceClient, opts: WebhookRelayOptions): WebhookRelay {
  return createOutboxRelay<PendingWebhookMessage>({
    name: 'webhook-messages',
    store: webhookOutboxStore(db),
    async deliver(rows) {
      try {
        const res = await auth.request('POST', '/internal/webhook-messages', { body: webhookMessagesBody(rows) });
        const outcome = outcomeOfAnswer(res.status, res.body);
        return rows.map(() => outcome);
      } catch (err) {
        return rows.map(() => retryLater((err as Error).message));
      }
    },
    batchSize: WEBHOOK_MESSAGES_MAX,
    nudgeDelayMs: WEBHOOK_NUDGE_DELAY_MS,
    pollMs: opts.pollMs,
    leaseMs: opts.leaseMs,
    backoff: { baseMs: BASE_BACKOFF_MS, maxMs: opts.maxBackoffMs },
    log: opts.log,
    metrics: opts.metrics,
    describe: (row) => ({ webhookMessage: row.id, type: row.type }),
  });
}
