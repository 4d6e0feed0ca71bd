import { sql, type Kysely, type RawBuilder } from 'kysely';
import { sqlOutboxStore, unnestColumns, type OutboxStore } from '@questline/platform';
import type { ProgressWebhookType } from '@questline/contracts';
import type { OutgoingWebhookMessage } from '../domain/webhook-messages.js';
import type { ProgressDatabase } from './schema.js';

/**
 * The statement that queues webhook messages for auth (null for none): one array parameter per
 * column, run in the transaction of their cause (combined with its other writes); an id already
 * queued is kept as it is. Messages of completions and claims that pay travel with their grants
 * instead (grant_outbox's payload).
 */
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
