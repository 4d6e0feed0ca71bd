import { sql } from 'kysely';
import { unnestColumns, webhookMessage, type Executor } from '@questline/platform';
import type { AuthDatabase } from './schema.js';

type Db = Executor<AuthDatabase>;

/** The event types of api.md v1.2 (`webhook.test` is sent directly, never enqueued). */
export const WEBHOOK_EVENT_TYPES = ['quest.completed', 'quest.claimed', 'reward.granted', 'wallet.debited', 'user.created', 'user.banned', 'user.unbanned'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * Records one webhook message in the caller's transaction (the transaction of its cause: the
 * ledger entry, the ban, the completion handed over by progress) and fans it out, in the same
 * statement, to a delivery per live endpoint subscribed to its type now. `id` is the message's
 * webhook-id: the same id again (a cause retried, progress's relay delivering twice) adds nothing.
 * Returns whether it was new.
 */
export async function enqueueWebhookMessage(db: Db, msg: { id: string; type: WebhookEventType; data: unknown; at?: Date }): Promise<boolean> {
  const body = webhookMessage(msg.type, msg.data, msg.at ?? new Date());
  const { rows } = await sql<{ id: string }>`
    WITH message AS (
      INSERT INTO webhook_messages (id, type, body) VALUES (${msg.id}, ${msg.type}, ${body})
      ON CONFLICT (id) DO NOTHING
      RETURNING id
    ), fanned AS (
      INSERT INTO webhook_deliveries (endpoint_id, message_id)
      SELECT e.id, m.id FROM webhook_endpoints e, message m
      WHERE e.deleted_at IS NULL AND e.enabled AND ${msg.type} = ANY (e.events)
      RETURNING id
    )
    SELECT id FROM message
  `.execute(db);
  return rows.length > 0;
}

/**
 * enqueueWebhookMessage for several messages (a grant's entries, a batch of users, progress's
 * hand-over) in one statement: one array parameter per column, each message fanned out to the
 * endpoints subscribed to its type; ids stored before add nothing. Returns how many were new, and
 * how many deliveries they made (none when no live endpoint wants them: the relay has nothing to send).
 */
export async function enqueueWebhookMessages(
  db: Db,
  msgs: ReadonlyArray<{ id: string; type: WebhookEventType; data: unknown; at?: Date }>,
): Promise<{ stored: number; deliveries: number }> {
  if (msgs.length === 0) return { stored: 0, deliveries: 0 };
  const now = new Date();
  const col = unnestColumns(msgs);
  const { rows } = await sql<{ stored: number; deliveries: number }>`
    WITH message AS (
      INSERT INTO webhook_messages (id, type, body)
      SELECT * FROM unnest(${col('uuid', (m) => m.id)}, ${col('text', (m) => m.type)}, ${col('text', (m) => webhookMessage(m.type, m.data, m.at ?? now))})
      ON CONFLICT (id) DO NOTHING
      RETURNING id, type
    ), fanned AS (
      INSERT INTO webhook_deliveries (endpoint_id, message_id)
      SELECT e.id, m.id FROM webhook_endpoints e JOIN message m ON m.type = ANY (e.events)
      WHERE e.deleted_at IS NULL AND e.enabled
      RETURNING id
    )
    SELECT (SELECT count(*) FROM message)::int AS stored, (SELECT count(*) FROM fanned)::int AS deliveries
  `.execute(db);
  return rows[0] ?? { stored: 0, deliveries: 0 };
}
