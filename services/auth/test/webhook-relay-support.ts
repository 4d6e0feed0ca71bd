import { before, after, beforeEach } from 'node:test';
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { createMetrics, generateWebhookSecret, type OutboxRelay } from '@questline/platform';
import { enqueueWebhookMessage, type WebhookEventType } from '../src/db/webhook-messages.repository.js';
import { encryptWebhookSecret, webhookEncryptionKey } from '../src/domain/webhook-secrets.js';
import { createWebhookRelay, createWebhookRelayMetrics, type WebhookRelayMetrics } from '../src/workers/webhook-relay.js';
import { startAuth, type Harness } from './support.js';
import { WebhookReceiver } from './webhook-receiver.js';

const log = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;
/** Rows waiting for any retry are due by then (tests skip the backoff with it). */
export const FAR = new Date(Date.now() + 400 * 24 * 3600 * 1000);
export const DAY = 24 * 3600 * 1000;

export interface RelayOptions {
  /** One lane unless told: the tests that count attempts per batch want one claim at a time. */
  lanes?: number;
  pollMs?: number;
  allowPrivate?: boolean;
}

/**
 * An auth app on a fresh database (its own webhook relay polling hourly) and relays the tests
 * drive, with a clock they move; registers the suite's hooks. Every test starts with no live
 * endpoint and no pending delivery, so fan-out reaches only its own endpoints.
 */
export function webhookTestbed() {
  const key = webhookEncryptionKey(randomBytes(32));
  const receivers: WebhookReceiver[] = [];
  const bed = {
    h: undefined as unknown as Harness,
    clock: new Date(),
    metrics: undefined as unknown as WebhookRelayMetrics,
    key,

    // The production timeout unless a test is about timeouts: a loaded CI machine must not turn a
    // slow answer into a failed delivery.
    relay(timeoutMs = 10_000, o: RelayOptions = {}): OutboxRelay {
      bed.metrics = createWebhookRelayMetrics(createMetrics('auth-test'));
      return createWebhookRelay({
        db: bed.h.db,
        secretKey: key,
        policy: { allowHttp: true, allowPrivate: o.allowPrivate ?? true },
        timeoutMs,
        batchSize: 50,
        pollMs: o.pollMs ?? 3_600_000,
        log,
        metrics: bed.metrics,
        now: () => bed.clock,
        lanes: o.lanes ?? 1,
      });
    },

    async receiver(): Promise<{ r: WebhookReceiver; url: string }> {
      const r = new WebhookReceiver();
      receivers.push(r);
      return { r, url: await r.listen() };
    },

    async endpoint(url: string, events: WebhookEventType[] = ['user.created'], extra: { previous?: string; previousExpiresAt?: Date } = {}) {
      const secret = generateWebhookSecret();
      const row = await bed.h.db
        .insertInto('webhook_endpoints')
        .values({
          url,
          events,
          secret_encrypted: encryptWebhookSecret(secret, key),
          previous_secret_encrypted: extra.previous ? encryptWebhookSecret(extra.previous, key) : null,
          previous_secret_expires_at: extra.previousExpiresAt ?? null,
          created_by: 'test',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { id: row.id, secret };
    },

    async message(type: WebhookEventType = 'user.created', data: unknown = { user: { id: randomUUID() } }): Promise<string> {
      const id = randomUUID();
      await enqueueWebhookMessage(bed.h.db, { id, type, data });
      return id;
    },

    deliveriesOf: (endpointId: string) =>
      bed.h.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId).orderBy('created_at').orderBy('id').execute(),

    endpointRow: (id: string) => bed.h.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
  };

  before(async () => {
    // No relay of the app's own: its first pass, kicked at start-up, could otherwise claim (and,
    // with another key, fail to sign) a test's delivery before the test's relay runs.
    bed.h = await startAuth({ WEBHOOK_RELAY_LANES: '0', WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: 'true' });
  });
  after(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await bed.h?.close();
  });
  beforeEach(async () => {
    bed.clock = new Date();
    await bed.h.db.updateTable('webhook_endpoints').set({ deleted_at: new Date() }).where('deleted_at', 'is', null).execute();
    await bed.h.db.updateTable('webhook_deliveries').set({ dead_at: new Date() }).where('delivered_at', 'is', null).where('dead_at', 'is', null).execute();
  });
  return bed;
}
