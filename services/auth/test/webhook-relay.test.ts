import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { createMetrics, generateWebhookSecret, type OutboxRelay } from '@questline/platform';
import { enqueueWebhookMessage, type WebhookEventType } from '../src/db/webhook-messages.repository.js';
import { webhookDeliveryStore } from '../src/db/webhook-deliveries.repository.js';
import { encryptWebhookSecret, webhookEncryptionKey } from '../src/domain/webhook-secrets.js';
import { WEBHOOK_DISABLE_AFTER_MS, WEBHOOK_MAX_ATTEMPTS } from '../src/domain/webhook-delivery.js';
import { createWebhookRelay, createWebhookRelayMetrics, type WebhookRelayMetrics } from '../src/workers/webhook-relay.js';
import { startAuth, type Harness } from './support.js';
import { WebhookReceiver } from './webhook-receiver.js';
import { eventually } from './progress-stand-in.js';

const log = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;
const KEY = webhookEncryptionKey(randomBytes(32));
const FAR = new Date(Date.now() + 400 * 24 * 3600 * 1000);
const DAY = 24 * 3600 * 1000;

let h: Harness;
const receivers: WebhookReceiver[] = [];
let clock: Date;
let metrics: WebhookRelayMetrics;

before(async () => {
  // The app's own relay polls hourly: the tests drive theirs, with a clock they move.
  h = await startAuth({ WEBHOOK_POLL_MS: '3600000', WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: 'true' });
});
after(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await h?.close();
});
beforeEach(async () => {
  clock = new Date();
  // Every test starts with no live endpoint, so fan-out reaches only its own.
  await h.db.updateTable('webhook_endpoints').set({ deleted_at: new Date() }).where('deleted_at', 'is', null).execute();
  await h.db.updateTable('webhook_deliveries').set({ dead_at: new Date() }).where('delivered_at', 'is', null).where('dead_at', 'is', null).execute();
});

/** One lane unless told: the tests that count attempts per batch want one claim at a time. */
function relay(timeoutMs = 2000, extra: { lanes?: number; pollMs?: number; allowPrivate?: boolean } = {}): OutboxRelay {
  metrics = createWebhookRelayMetrics(createMetrics('auth-test'));
  return createWebhookRelay({
    db: h.db,
    secretKey: KEY,
    policy: { allowHttp: true, allowPrivate: extra.allowPrivate ?? true },
    timeoutMs,
    batchSize: 50,
    pollMs: extra.pollMs ?? 3_600_000,
    log,
    metrics,
    now: () => clock,
    lanes: extra.lanes ?? 1,
  });
}

async function receiver(): Promise<{ r: WebhookReceiver; url: string }> {
  const r = new WebhookReceiver();
  receivers.push(r);
  return { r, url: await r.listen() };
}

async function endpoint(url: string, events: WebhookEventType[] = ['user.created'], extra: { previous?: string; previousExpiresAt?: Date } = {}) {
  const secret = generateWebhookSecret();
  const row = await h.db
    .insertInto('webhook_endpoints')
    .values({
      url,
      events,
      secret_encrypted: encryptWebhookSecret(secret, KEY),
      previous_secret_encrypted: extra.previous ? encryptWebhookSecret(extra.previous, KEY) : null,
      previous_secret_expires_at: extra.previousExpiresAt ?? null,
      created_by: 'test',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, secret };
}

async function message(type: WebhookEventType = 'user.created', data: unknown = { user: { id: randomUUID() } }): Promise<string> {
  const id = randomUUID();
  await enqueueWebhookMessage(h.db, { id, type, data });
  return id;
}

const deliveriesOf = (endpointId: string) =>
  h.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId).orderBy('created_at').orderBy('id').execute();

const endpointRow = (id: string) => h.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('webhook relay', () => {
  test('delivers a signed message that an independent verifier (standardwebhooks) accepts; the log shows the answer', async () => {
    const { r, url } = await receiver();
    const ep = await endpoint(url);
    const data = { user: { id: randomUUID(), username: 'ana' } };
    const id = await message('user.created', data);
    const result = await relay().runOnce();
    assert.equal(result.delivered, 1);

    assert.equal(r.received.length, 1);
    const got = r.received[0]!;
    assert.equal(got.headers['webhook-id'], id);
    assert.equal(got.headers['content-type'], 'application/json');
    const verified = new Webhook(ep.secret).verify(got.body, got.headers as Record<string, string>) as { type: string; data: unknown };
    assert.equal(verified.type, 'user.created');
    assert.deepEqual(verified.data, data);
    const stored = await h.db.selectFrom('webhook_messages').select('body').where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(got.body, stored.body, 'the stored bytes are the bytes sent');

    const [d] = await deliveriesOf(ep.id);
    assert.ok(d!.delivered_at);
    assert.equal(d!.last_status_code, 200);
    assert.equal(d!.last_response, 'thanks');
    assert.equal(d!.attempts, 1);
    const exposed = await metrics.deliveries.get();
    assert.ok(exposed.values.some((v) => v.labels.endpoint === ep.id && v.labels.outcome === 'succeeded' && v.value === 1));
  });

  test('a receiver failing twice then succeeding gets three attempts with one webhook-id, retried on the schedule', async () => {
    const { r, url } = await receiver();
    r.next = ['fail', 'fail'];
    const ep = await endpoint(url);
    const id = await message();
    const wh = relay();

    await wh.runOnce();
    let [d] = await deliveriesOf(ep.id);
    assert.equal(d!.delivered_at, null);
    assert.equal(d!.last_status_code, 500);
    assert.equal(d!.last_response, 'receiver broke');
    assert.equal(d!.last_error, 'HTTP 500');
    const firstDelay = d!.next_attempt_at.getTime() - d!.last_attempt_at!.getTime();
    assert.ok(firstDelay >= 3_900 && firstDelay <= 5_100, `first retry after about 5 s, not ${firstDelay} ms`);
    assert.equal((await wh.runOnce()).claimed, 0, 'not due before its retry time');

    clock = new Date(clock.getTime() + 10_000);
    await wh.runOnce({ dueBy: FAR });
    [d] = await deliveriesOf(ep.id);
    const secondDelay = d!.next_attempt_at.getTime() - d!.last_attempt_at!.getTime();
    assert.ok(secondDelay >= 230_000 && secondDelay <= 301_000, `second retry after about 5 min, not ${secondDelay} ms`);

    clock = new Date(clock.getTime() + 10_000);
    await wh.runOnce({ dueBy: FAR });
    [d] = await deliveriesOf(ep.id);
    assert.ok(d!.delivered_at);
    assert.equal(d!.attempts, 3);
    assert.equal(d!.last_status_code, 200);
    assert.equal(d!.last_error, null);
    assert.deepEqual(r.idsReceived(), [id, id, id]);
    const stamps = r.received.map((x) => Number(x.headers['webhook-timestamp']));
    assert.equal(new Set(stamps).size, 3, 'each attempt is signed with a fresh timestamp');
    assert.equal((await endpointRow(ep.id)).failing_since, null, 'a success clears failing_since');
  });

  test('after the last scheduled retry the delivery is failed', async () => {
    const { r, url } = await receiver();
    r.otherwise = 'fail';
    const ep = await endpoint(url);
    await message();
    const wh = relay();
    for (let i = 0; i < WEBHOOK_MAX_ATTEMPTS + 2; i++) await wh.runOnce({ dueBy: FAR });
    const [d] = await deliveriesOf(ep.id);
    assert.equal(r.received.length, WEBHOOK_MAX_ATTEMPTS);
    assert.equal(d!.attempts, WEBHOOK_MAX_ATTEMPTS);
    assert.ok(d!.dead_at);
    assert.equal(d!.last_error, 'HTTP 500');
  });

  test('a hanging receiver is a timeout in the log; a redirect is a failed attempt, not followed', async () => {
    const hang = await receiver();
    hang.r.otherwise = 'hang';
    const redirect = await receiver();
    redirect.r.otherwise = 'redirect';
    const a = await endpoint(hang.url);
    const b = await endpoint(redirect.url);
    await message();
    await relay(300).runOnce();
    const [da] = await deliveriesOf(a.id);
    assert.equal(da!.last_error, 'timeout');
    assert.equal(da!.last_status_code, null);
    assert.equal(da!.delivered_at, null);
    const [db] = await deliveriesOf(b.id);
    assert.equal(db!.last_status_code, 302);
    assert.equal(db!.last_error, 'HTTP 302');
    assert.equal(db!.delivered_at, null);
    assert.equal(redirect.r.received.length, 1);
  });

  test('a receiver answering an endless body: delivered, its answer stored truncated', async () => {
    const { r, url } = await receiver();
    r.otherwise = 'endless';
    const ep = await endpoint(url);
    await message();
    await relay().runOnce();
    const [d] = await deliveriesOf(ep.id);
    assert.ok(d!.delivered_at);
    assert.ok(d!.last_response!.endsWith('…[truncated]'));
    assert.ok(d!.last_response!.length < 2000);
  });

  test('during a rotation the message carries both signatures, each valid; after the overlap only the new one', async () => {
    const { r, url } = await receiver();
    const previous = generateWebhookSecret();
    const ep = await endpoint(url, ['user.created'], { previous, previousExpiresAt: new Date(clock.getTime() + DAY) });
    await message();
    const wh = relay();
    await wh.runOnce();
    const first = r.received[0]!;
    assert.equal(String(first.headers['webhook-signature']).split(' ').length, 2);
    new Webhook(ep.secret).verify(first.body, first.headers as Record<string, string>);
    new Webhook(previous).verify(first.body, first.headers as Record<string, string>);

    // The overlap ends (moved in the row: the verifier checks timestamps against the real clock).
    await h.db.updateTable('webhook_endpoints').set({ previous_secret_expires_at: new Date(clock.getTime() - 1000) }).where('id', '=', ep.id).execute();
    await message();
    await wh.runOnce();
    const second = r.received[1]!;
    assert.equal(String(second.headers['webhook-signature']).split(' ').length, 1);
    new Webhook(ep.secret).verify(second.body, second.headers as Record<string, string>);
    assert.throws(() => new Webhook(previous).verify(second.body, second.headers as Record<string, string>), /signature/i);
  });

  test('an endpoint failing for 5 days is disabled, audited, counted; its pending deliveries are not sent', async () => {
    const { r, url } = await receiver();
    r.otherwise = 'fail';
    const ep = await endpoint(url);
    await message();
    const wh = relay();
    const start = clock;
    await wh.runOnce();
    assert.equal((await endpointRow(ep.id)).failing_since?.getTime(), start.getTime());

    clock = new Date(start.getTime() + WEBHOOK_DISABLE_AFTER_MS - 60_000);
    await wh.runOnce({ dueBy: FAR });
    assert.equal((await endpointRow(ep.id)).enabled, true, 'not before 5 days');

    clock = new Date(start.getTime() + WEBHOOK_DISABLE_AFTER_MS + 60_000);
    await message();
    await wh.runOnce({ dueBy: FAR });
    const row = await endpointRow(ep.id);
    assert.equal(row.enabled, false);
    assert.match(row.disabled_reason ?? '', /5 days/);
    const audit = await h.db.selectFrom('audit_log').selectAll().where('entity', '=', 'webhook').where('entity_key', '=', ep.id).execute();
    assert.deepEqual(
      audit.map((a) => a.action),
      ['webhook.disabled'],
    );
    assert.equal((await metrics.disabled.get()).values[0]?.value, 1);

    // One delivery is still pending (released after the endpoint's first failure of the batch).
    const sent = r.received.length;
    await wh.runOnce({ dueBy: FAR });
    assert.equal(r.received.length, sent, 'nothing is sent to a disabled endpoint');
    const rows = await deliveriesOf(ep.id);
    assert.ok(rows.every((d) => d.dead_at !== null));
    assert.ok(rows.some((d) => d.last_error === 'endpoint disabled'));
  });

  test('one hanging endpoint does not hold back another: its other rows are released untried', async () => {
    const hang = await receiver();
    hang.r.otherwise = 'hang';
    const good = await receiver();
    const a = await endpoint(hang.url);
    const b = await endpoint(good.url);
    const ids = [await message(), await message(), await message()];
    await relay(300).runOnce();
    assert.deepEqual(good.r.idsReceived().sort(), [...ids].sort());
    assert.equal(hang.r.received.length, 1, 'one timeout per batch, not one per message');
    const rowsA = await deliveriesOf(a.id);
    assert.deepEqual(rowsA.map((d) => d.attempts).sort(), [0, 0, 1]);
    assert.ok((await deliveriesOf(b.id)).every((d) => d.delivered_at !== null));
  });

  test("while one receiver hangs, another endpoint's new messages are still delivered (lanes, one batch per endpoint)", async () => {
    const hang = await receiver();
    hang.r.otherwise = 'hang';
    const good = await receiver();
    const a = await endpoint(hang.url, ['user.created']);
    await endpoint(good.url, ['user.created', 'user.banned']);
    const first = await message('user.created');
    const wh = relay(10_000, { lanes: 4, pollMs: 50 });
    wh.start();
    try {
      await eventually(async () => hang.r.received.length === 1 && good.r.idsReceived().includes(first), 'the first message at both');
      const second = await message('user.banned');
      wh.nudge();
      await eventually(async () => good.r.idsReceived().includes(second), 'the second message at the good receiver');
      const [da] = await deliveriesOf(a.id);
      assert.equal(da!.last_error, null, "the hanging receiver's attempt is still under way");
      assert.ok(da!.lease_until && da!.delivered_at === null);
      assert.equal(hang.r.received.length, 1, 'no second request to the endpoint that has one in flight');
    } finally {
      hang.r.release();
      await wh.stop();
    }
  });

  test('rows leased by a relay that died mid-delivery are sent by the next one, with the same webhook-id', async () => {
    const { r, url } = await receiver();
    const ep = await endpoint(url);
    const id = await message();
    // A relay claims the row, then dies before settling it.
    const claimed = await webhookDeliveryStore(h.db).claim(10, 60_000);
    assert.equal(claimed.length, 1);
    const wh = relay();
    assert.equal((await wh.runOnce()).claimed, 0, 'leased: not sent twice at once');
    // Its lease runs out.
    await h.db.updateTable('webhook_deliveries').set({ lease_until: new Date(Date.now() - 1000) }).where('endpoint_id', '=', ep.id).execute();
    await wh.runOnce();
    assert.deepEqual(r.idsReceived(), [id]);
    const [d] = await deliveriesOf(ep.id);
    assert.ok(d!.delivered_at);
    assert.equal(d!.attempts, 2);
  });

  test('without WEBHOOK_ALLOW_PRIVATE a receiver on loopback is a failed attempt, never reached', async () => {
    const { r, url } = await receiver();
    const ep = await endpoint(url);
    await message();
    await relay(2000, { allowPrivate: false }).runOnce();
    assert.equal(r.received.length, 0);
    const [d] = await deliveriesOf(ep.id);
    assert.equal(d!.delivered_at, null);
    assert.equal(d!.dead_at, null, 'retried: the address may change');
    assert.match(d!.last_error ?? '', /forbidden|loopback/i);
  });

  test('a signing secret that cannot be decrypted is retried, and nothing unsigned is sent', async () => {
    const { r, url } = await receiver();
    const ep = await endpoint(url);
    await h.db.updateTable('webhook_endpoints').set({ secret_encrypted: encryptWebhookSecret(generateWebhookSecret(), webhookEncryptionKey('another key entirely')) }).where('id', '=', ep.id).execute();
    await message();
    await relay().runOnce();
    assert.equal(r.received.length, 0);
    const [d] = await deliveriesOf(ep.id);
    assert.equal(d!.last_error, 'signing secret unreadable');
    assert.equal(d!.dead_at, null);
  });

  test('deliveries of a deleted endpoint are settled, not sent', async () => {
    const { r, url } = await receiver();
    const ep = await endpoint(url);
    await message();
    await h.db.updateTable('webhook_endpoints').set({ deleted_at: new Date() }).where('id', '=', ep.id).execute();
    await relay().runOnce();
    assert.equal(r.received.length, 0);
    const [d] = await deliveriesOf(ep.id);
    assert.ok(d!.dead_at);
    assert.equal(d!.last_error, 'endpoint deleted');
  });
});
