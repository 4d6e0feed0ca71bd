import { sql, type Kysely, type RawBuilder } from 'kysely';
import { sqlOutboxStore, unnestColumns, type Executor, type OutboxStore } from '@questline/platform';
import type { ProgressWebhookType } from '@questline/contracts';
import type { OutgoingWebhookMessage } from '../domain/webhook-messages.js';
import type { ProgressDatabase } from './schema.js';

/**
 * Queues webhook messages for auth in one statement (one array parameter per column), in the
 * transaction of their cause; an id already queued is kept as it is. A completion that pays at once
 * (auto-claim) sends its message with its grant instead (grant_outbox's payload).
 */
export async function enqueueWebhookMessages(ex: Executor<ProgressDatabase>, messages: readonly OutgoingWebhookMessage[]): Promise<void> {
  await enqueueWebhookMessagesStatement(messages)?.execute(ex);
}

/** The statement enqueueWebhookMessages runs (null for none), for a caller that combines statements. */
export function enqueueWebhookMessagesStatement(messages: readonly OutgoingWebhookMessage[]): RawBuilder<unknown> | null {
  if (messages.length === 0) return null;
  const col = unnestColumns(messages);
  return sql`
    INSERT INTO webhook_outbox (id, type, data, occurred_at)
    SELECT i, t, d::jsonb, a FROM unnest(
      ${col('uuid', (m) => m.id)}, ${col('text', (m) => m.type)}, ${col('text', (m) => JSON.stringify(m.data))}, ${col('timestamptz', (m) => m.at)}
    ) AS x(i, t, d, a)
    ON CONFLICT (id) DO NOTHING`;
}

export interface PendingWebhookMessage {
  id: string;
  type: ProgressWebhookType;
  data: { userId: string } & Record<string, unknown>;
  occurred_at: Date;
  attempts: number;
}

/** The webhook outbox as the platform relay sees it: leased claims, settled in one statement. */
export function webhookOutboxStore(db: Kysely<ProgressDatabase>): OutboxStore<PendingWebhookMessage> {
  return sqlOutboxStore<PendingWebhookMessage>(db, { table: 'webhook_outbox', createdColumn: 'created_at' });
}
