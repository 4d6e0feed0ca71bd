import { sql, type Kysely } from 'kysely';
import { sqlOutboxStore, unnestColumns, type OutboxStore } from '@questline/platform';
import type { AuthDatabase } from './schema.js';
import { insertAudit } from './audit.repository.js';

/** A claimed delivery (the outbox columns the relay needs). */
export interface WebhookDeliveryRow {
  id: string;
  attempts: number;
  /** The claim's lease (what the store's settle matches on). */
  lease_until: Date | null;
  endpoint_id: string;
  message_id: string;
}

/** What an attempt needs: the endpoint as it is now, and the message's stored bytes. */
export interface DeliveryTarget {
  deliveryId: string;
  messageId: string;
  body: string;
  messageCreatedAt: Date;
  url: string;
  enabled: boolean;
  deleted: boolean;
  secret_encrypted: string;
  previous_secret_encrypted: string | null;
  previous_secret_expires_at: Date | null;
}

/**
 * The platform's store over `webhook_deliveries`, except that a claim skips the endpoints with
 * deliveries in flight (leased and the lease not over): one endpoint is served by one batch at a
 * time, so a receiver that hangs ties up one of the relay's lanes, never all of them. Two lanes
 * claiming at the same instant may still both take rows of one endpoint; that is harmless.
 */
export function webhookDeliveryStore(db: Kysely<AuthDatabase>): OutboxStore<WebhookDeliveryRow> {
  const base = sqlOutboxStore<WebhookDeliveryRow>(db, { table: 'webhook_deliveries', createdColumn: 'created_at' });
  return {
    settle: (settlements) => base.settle(settlements),
    stats: () => base.stats(),
    async claim(limit, leaseMs, dueBy) {
      const { rows } = await sql<WebhookDeliveryRow>`
        WITH claimed AS (
          UPDATE webhook_deliveries SET lease_until = date_trunc('milliseconds', now() + make_interval(secs => ${leaseMs / 1000}::float8)),
            attempts = attempts + 1, last_attempt_at = now()
          WHERE id IN (
            SELECT d.id FROM webhook_deliveries d
            WHERE d.delivered_at IS NULL AND d.dead_at IS NULL
              AND d.next_attempt_at <= coalesce(${dueBy ?? null}::timestamptz, now())
              AND (d.lease_until IS NULL OR d.lease_until <= now())
              AND NOT EXISTS (
                SELECT 1 FROM webhook_deliveries l
                WHERE l.endpoint_id = d.endpoint_id AND l.lease_until IS NOT NULL AND l.lease_until > now()
                  AND l.delivered_at IS NULL AND l.dead_at IS NULL)
            ORDER BY d.created_at, d.id
            LIMIT ${limit}
            FOR UPDATE OF d SKIP LOCKED)
          RETURNING id, attempts, lease_until, endpoint_id, message_id, created_at)
        SELECT id, attempts, lease_until, endpoint_id, message_id FROM claimed ORDER BY created_at, id`.execute(db);
      return rows;
    },
  };
}

export async function findDeliveryTargets(db: Kysely<AuthDatabase>, deliveryIds: string[]): Promise<Map<string, DeliveryTarget>> {
  if (deliveryIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_messages as m', 'm.id', 'd.message_id')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select([
      'd.id as deliveryId',
      'm.id as messageId',
      'm.body',
      'm.created_at as messageCreatedAt',
      'e.url',
      'e.enabled',
      'e.deleted_at',
      'e.secret_encrypted',
      'e.previous_secret_encrypted',
      'e.previous_secret_expires_at',
    ])
    .where('d.id', 'in', deliveryIds)
    .execute();
  return new Map(rows.map(({ deleted_at, ...r }) => [r.deliveryId, { ...r, deleted: deleted_at !== null }]));
}

export interface AttemptRecord {
  deliveryId: string;
  statusCode: number | null;
  response: string | null;
}

/** The delivery log's view of the attempts just made (the relay settles the outbox columns after). */
export async function recordAttempts(db: Kysely<AuthDatabase>, records: AttemptRecord[]): Promise<void> {
  if (records.length === 0) return;
  const col = unnestColumns(records);
  await sql`
    UPDATE webhook_deliveries AS d SET last_status_code = u.status_code, last_response = u.response
    FROM unnest(${col('uuid', (r) => r.deliveryId)}, ${col('int', (r) => r.statusCode)}, ${col('text', (r) => r.response)})
      AS u(id, status_code, response)
    WHERE d.id = u.id`.execute(db);
}

/**
 * Keeps `failing_since` (the 5-day rule): cleared by a success, set at the first failure after
 * one. An endpoint with both in one batch had a success, so it is not failing.
 */
export async function recordEndpointHealth(db: Kysely<AuthDatabase>, succeeded: string[], failed: string[], now: Date): Promise<void> {
  if (succeeded.length > 0) {
    await db.updateTable('webhook_endpoints').set({ failing_since: null }).where('id', 'in', succeeded).where('failing_since', 'is not', null).execute();
  }
  const failing = failed.filter((id) => !succeeded.includes(id));
  if (failing.length > 0) {
    await db.updateTable('webhook_endpoints').set({ failing_since: now }).where('id', 'in', failing).where('failing_since', 'is', null).execute();
  }
}

/**
 * Disables the enabled endpoints among `ids` failing since `failingBefore` or earlier, with an
 * audit row each, in one transaction. Returns the ids disabled.
 */
export async function disableFailingEndpoints(db: Kysely<AuthDatabase>, ids: string[], failingBefore: Date, reason: string, now: Date): Promise<string[]> {
  if (ids.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    const disabled = await trx
      .updateTable('webhook_endpoints')
      .set({ enabled: false, disabled_reason: reason, updated_at: now })
      .where('id', 'in', ids)
      .where('enabled', '=', true)
      .where('deleted_at', 'is', null)
      .where('failing_since', '<=', failingBefore)
      .returning(['id', 'url', 'failing_since'])
      .execute();
    for (const e of disabled) {
      await insertAudit(trx, {
        actorId: 'system:webhook-relay',
        action: 'webhook.disabled',
        entity: 'webhook',
        entityKey: e.id,
        details: { reason, failingSince: e.failing_since?.toISOString() ?? null },
      });
    }
    return disabled.map((e) => e.id);
  });
}

/**
 * An endpoint that just failed: its other due deliveries wait as long as the failed one (its next
 * attempt's delay), instead of being due again at once. Otherwise a hanging receiver's backlog,
 * always the oldest due rows, would fill every claim, and other endpoints' messages would wait.
 */
export async function holdEndpointBacklog(db: Kysely<AuthDatabase>, endpointId: string, delayMs: number): Promise<void> {
  await sql`
    UPDATE webhook_deliveries SET next_attempt_at = greatest(next_attempt_at, now() + make_interval(secs => ${delayMs / 1000}::float8))
    WHERE endpoint_id = ${endpointId} AND delivered_at IS NULL AND dead_at IS NULL
      AND (lease_until IS NULL OR lease_until <= now())`.execute(db);
}
