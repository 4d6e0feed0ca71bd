import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret } from '@questline/platform';
import { WEBHOOK_DISABLE_AFTER_MS, WEBHOOK_MAX_ATTEMPTS } from '../src/domain/webhook-delivery.js';
import { DAY, FAR, webhookTestbed } from './webhook-relay-support.js';

const bed = webhookTestbed();

describe('webhook relay: delivery, retries, signatures, disabling', () => {
  test('delivers a signed message that an independent verifier (standardwebhooks) accepts; the log shows the answer', async () => {
    const { r, url } = await bed.receiver();
    const ep = await bed.endpoint(url);
    const data = { user: { id: randomUUID(), username: 'ana' } };
    const id = await bed.message('user.created', data);
    const result = await bed.relay().runOnce();
    assert.equal(result.delivered, 1);

    assert.equal(r.received.length, 1);
    const got = r.received[0]!;
    assert.equal(got.headers['webhook-id'], id);
    assert.equal(got.headers['content-type'], 'application/json');
    const verified = new Webhook(ep.secret).verify(got.body, got.headers as Record<string, string>) as { type: string; data: unknown };
    assert.equal(verified.type, 'user.created');
    assert.deepEqual(verified.data, data);
    const stored = await bed.h.db.selectFrom('webhook_messages').select('body').where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(got.body, stored.body, 'the stored bytes are the bytes sent');

    const [d] = await bed.deliveriesOf(ep.id);
    assert.ok(d!.delivered_at);
    assert.equal(d!.last_status_code, 200);
    assert.equal(d!.last_response, 'thanks');
    assert.equal(d!.attempts, 1);
    const exposed = await bed.metrics.deliveries.get();
    assert.ok(exposed.values.some((v) => v.labels.endpoint === ep.id && v.labels.outcome === 'succeeded' && v.value === 1));
  });

  test('a receiver failing twice then succeeding gets three attempts with one webhook-id, retried on the schedule', async () => {
    const { r, url } = await bed.receiver();
    r.next = ['fail', 'fail'];
    const ep = await bed.endpoint(url);
    const id = await bed.message();
    const wh = bed.relay();

    await wh.runOnce();
    let [d] = await bed.deliveriesOf(ep.id);
    assert.equal(d!.delivered_at, null);
    assert.equal(d!.last_status_code, 500);
    assert.equal(d!.last_response, 'receiver broke');
    assert.equal(d!.last_error, 'HTTP 500');
    const firstDelay = d!.next_attempt_at.getTime() - d!.last_attempt_at!.getTime();
    assert.ok(firstDelay >= 3_900 && firstDelay <= 5_100, `first retry after about 5 s, not ${firstDelay} ms`);
    assert.equal((await wh.runOnce()).claimed, 0, 'not due before its retry time');

    bed.clock = new Date(bed.clock.getTime() + 10_000);
    await wh.runOnce({ dueBy: FAR });
    [d] = await bed.deliveriesOf(ep.id);
    const secondDelay = d!.next_attempt_at.getTime() - d!.last_attempt_at!.getTime();
    assert.ok(secondDelay >= 230_000 && secondDelay <= 301_000, `second retry after about 5 min, not ${secondDelay} ms`);

    bed.clock = new Date(bed.clock.getTime() + 10_000);
    await wh.runOnce({ dueBy: FAR });
    [d] = await bed.deliveriesOf(ep.id);
    assert.ok(d!.delivered_at);
    assert.equal(d!.attempts, 3);
    assert.equal(d!.last_status_code, 200);
    assert.equal(d!.last_error, null);
    assert.deepEqual(r.idsReceived(), [id, id, id]);
    const stamps = r.received.map((x) => Number(x.headers['webhook-timestamp']));
    assert.equal(new Set(stamps).size, 3, 'each attempt is signed with a fresh timestamp');
    assert.equal((await bed.endpointRow(ep.id)).failing_since, null, 'a success clears failing_since');
  });

  test('after the last scheduled retry the delivery is failed', async () => {
    const { r, url } = await bed.receiver();
    r.otherwise = 'fail';
    const ep = await bed.endpoint(url);
    await bed.message();
    const wh = bed.relay();
    for (let i = 0; i < WEBHOOK_MAX_ATTEMPTS + 2; i++) await wh.runOnce({ dueBy: FAR });
    const [d] = await bed.deliveriesOf(ep.id);
    assert.equal(r.received.length, WEBHOOK_MAX_ATTEMPTS);
    assert.equal(d!.attempts, WEBHOOK_MAX_ATTEMPTS);
    assert.ok(d!.dead_at);
    assert.equal(d!.last_error, 'HTTP 500');
  });

  test('during a rotation the message carries both signatures, each valid; after the overlap only the new one', async () => {
    const { r, url } = await bed.receiver();
    const previous = generateWebhookSecret();
    const ep = await bed.endpoint(url, ['user.created'], { previous, previousExpiresAt: new Date(bed.clock.getTime() + DAY) });
    await bed.message();
    const wh = bed.relay();
    await wh.runOnce();
    const first = r.received[0]!;
    assert.equal(String(first.headers['webhook-signature']).split(' ').length, 2);
    new Webhook(ep.secret).verify(first.body, first.headers as Record<string, string>);
    new Webhook(previous).verify(first.body, first.headers as Record<string, string>);

    // The overlap ends (moved in the row: the verifier checks timestamps against the real bed.clock).
    await bed.h.db.updateTable('webhook_endpoints').set({ previous_secret_expires_at: new Date(bed.clock.getTime() - 1000) }).where('id', '=', ep.id).execute();
    await bed.message();
    await wh.runOnce();
    const second = r.received[1]!;
    assert.equal(String(second.headers['webhook-signature']).split(' ').length, 1);
    new Webhook(ep.secret).verify(second.body, second.headers as Record<string, string>);
    assert.throws(() => new Webhook(previous).verify(second.body, second.headers as Record<string, string>), /signature/i);
  });

  test('an endpoint failing for 5 days is disabled, audited, counted; its pending deliveries are not sent', async () => {
    const { r, url } = await bed.receiver();
    r.otherwise = 'fail';
    const ep = await bed.endpoint(url);
    await bed.message();
    const wh = bed.relay();
    const start = bed.clock;
    await wh.runOnce();
    assert.equal((await bed.endpointRow(ep.id)).failing_since?.getTime(), start.getTime());

    bed.clock = new Date(start.getTime() + WEBHOOK_DISABLE_AFTER_MS - 60_000);
    await wh.runOnce({ dueBy: FAR });
    assert.equal((await bed.endpointRow(ep.id)).enabled, true, 'not before 5 days');

    bed.clock = new Date(start.getTime() + WEBHOOK_DISABLE_AFTER_MS + 60_000);
    await bed.message();
    await wh.runOnce({ dueBy: FAR });
    const row = await bed.endpointRow(ep.id);
    assert.equal(row.enabled, false);
    assert.match(row.disabled_reason ?? '', /5 days/);
    const audit = await bed.h.db.selectFrom('audit_log').selectAll().where('entity', '=', 'webhook').where('entity_key', '=', ep.id).execute();
    assert.deepEqual(
      audit.map((a) => a.action),
      ['webhook.disabled'],
    );
    assert.equal((await bed.metrics.disabled.get()).values[0]?.value, 1);

    // One delivery is still pending (released after the endpoint's first failure of the batch).
    const sent = r.received.length;
    await wh.runOnce({ dueBy: FAR });
    assert.equal(r.received.length, sent, 'nothing is sent to a disabled endpoint');
    const rows = await bed.deliveriesOf(ep.id);
    assert.ok(rows.every((d) => d.dead_at !== null));
    assert.ok(rows.some((d) => d.last_error === 'endpoint disabled'));
  });
});
