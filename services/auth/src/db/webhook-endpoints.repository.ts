import { sql, type Selectable } from 'kysely';
import type { Executor } from '@questline/platform';
import { exactTimestamp } from './users.repository.js';
import type { AuthDatabase, WebhookDeliveriesTable, WebhookEndpointsTable } from './schema.js';

type Db = Executor<AuthDatabase>;

export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed';

export async function insertWebhookEndpoint(
  db: Db,
  e: { url: string; events: string[]; description: string; secretEncrypted: string; createdBy: string },
): Promise<WebhookEndpointRow> {
  return db
    .insertInto('webhook_endpoints')
    .values({ url: e.url, events: e.events, description: e.description, secret_encrypted: e.secretEncrypted, created_by: e.createdBy })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A live (not deleted) endpoint; `forUpdate` locks it for a change in the caller's transaction. */
export async function findWebhookEndpoint(db: Db, id: string, forUpdate = false): Promise<WebhookEndpointRow | undefined> {
  let query = db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('deleted_at', 'is', null);
  if (forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function listWebhookEndpoints(db: Db, page: { limit: number; before?: [string, string] }): Promise<Array<WebhookEndpointRow & { sort_ts: string }>> {
  let query = db.selectFrom('webhook_endpoints').selectAll().select(exactTimestamp('created_at').as('sort_ts')).where('deleted_at', 'is', null);
  if (page.before) {
    const [ts, id] = page.before;
    query = query.where(sql<boolean>`(created_at, id) < (${ts}::timestamptz, ${id}::uuid)`);
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
}

export async function updateWebhookEndpoint(
  db: Db,
  id: string,
  patch: Partial<Pick<WebhookEndpointRow, 'url' | 'events' | 'description' | 'enabled' | 'disabled_reason' | 'failing_since' | 'secret_encrypted' | 'previous_secret_encrypted' | 'previous_secret_expires_at' | 'deleted_at'>>,
): Promise<WebhookEndpointRow> {
  return db
    .updateTable('webhook_endpoints')
    .set({ ...patch, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * The endpoint's pending deliveries are settled dead with the deletion, so no relay picks them up
 * afterwards (and enqueueWebhookMessage skips deleted endpoints for new messages).
 */
export async function abandonPendingDeliveries(db: Db, endpointId: string, reason: string): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ dead_at: sql<Date>`now()`, last_error: reason, lease_until: null })
    .where('endpoint_id', '=', endpointId)
    .where('delivered_at', 'is', null)
    .where('dead_at', 'is', null)
    .execute();
}

export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable> & { event_type: string; sort_ts: string };

export async function listWebhookDeliveries(
  db: Db,
  q: { endpointId: string; status?: WebhookDeliveryStatus; limit: number; before?: [string, string] },
): Promise<WebhookDeliveryRow[]> {
  let query = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_messages as m', 'm.id', 'd.message_id')
    .selectAll('d')
    .select(['m.type as event_type', exactTimestamp('d.created_at').as('sort_ts')])
    .where('d.endpoint_id', '=', q.endpointId);
  if (q.status === 'succeeded') query = query.where('d.delivered_at', 'is not', null);
  if (q.status === 'failed') query = query.where('d.delivered_at', 'is', null).where('d.dead_at', 'is not', null);
  if (q.status === 'pending') query = query.where('d.delivered_at', 'is', null).where('d.dead_at', 'is', null);
  if (q.before) {
    const [ts, id] = q.before;
    query = query.where(sql<boolean>`(d.created_at, d.id) < (${ts}::timestamptz, ${id}::uuid)`);
  }
  return query.orderBy('d.created_at', 'desc').orderBy('d.id', 'desc').limit(q.limit).execute();
}

/**
 * Makes a delivery due now: a failed one becomes pending again, a pending one skips its wait.
 * A delivered one is sent again too (the receiver de-duplicates on webhook-id). A row leased by a
 * relay right now keeps its lease: that attempt is already under way. Returns false when the
 * delivery is not this endpoint's.
 */
export async function retryWebhookDelivery(db: Db, endpointId: string, deliveryId: string): Promise<boolean> {
  const row = await db
    .updateTable('webhook_deliveries')
    .set({ next_attempt_at: sql<Date>`now()`, dead_at: null, delivered_at: null })
    .where('id', '=', deliveryId)
    .where('endpoint_id', '=', endpointId)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}
