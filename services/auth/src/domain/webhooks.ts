import type { WebhookDeliveryRow, WebhookDeliveryStatus, WebhookEndpointRow } from '../db/webhook-endpoints.repository.js';

/** An endpoint as api.md v1.2 shows it: never a secret, encrypted or not. */
export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  description: string;
  enabled: boolean;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toWebhookView(row: WebhookEndpointRow): WebhookView {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    description: row.description,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export interface WebhookDeliveryView {
  id: string;
  messageId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  /** When the next attempt is due; null once the delivery is settled. */
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export function deliveryStatusOf(row: Pick<WebhookDeliveryRow, 'delivered_at' | 'dead_at'>): WebhookDeliveryStatus {
  if (row.delivered_at) return 'succeeded';
  return row.dead_at ? 'failed' : 'pending';
}

export function toWebhookDeliveryView(row: WebhookDeliveryRow): WebhookDeliveryView {
  const status = deliveryStatusOf(row);
  return {
    id: row.id,
    messageId: row.message_id,
    eventType: row.event_type,
    status,
    attempts: row.attempts,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    nextAttemptAt: status === 'pending' ? row.next_attempt_at.toISOString() : null,
    createdAt: row.created_at.toISOString(),
    deliveredAt: row.delivered_at ? row.delivered_at.toISOString() : null,
  };
}

/** A list of event types with a repeat in it: the schema checks each name, this the whole. */
export function hasDuplicates(values: readonly string[]): boolean {
  return new Set(values).size !== values.length;
}
