import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { generateWebhookSecret } from '@questline/platform';
import { webhookDeliveryStore } from '../src/db/webhook-deliveries.repository.js';
import { encryptWebhookSecret, webhookEncryptionKey } from '../src/domain/webhook-secrets.js';
import { eventually } from './progress-stand-in.js';
import { webhookTestbed } from './webhook-relay-support.js';

const bed = webhookTestbed();

describe('webhook relay: faults of receivers, isolation, crashes', () => {
  test('a hanging receiver is a timeout in the log; a redirect is a failed attempt, not followed', async () => {
    const hang = await bed.receiver();
    hang.r.otherwise = 'hang';
    const redirect = await bed.receiver();
    redirect.r.otherwise = 'redirect';
    const a = await bed.endpoint(hang.url);
    const b = await bed.endpoint(redirect.url);
    await bed.message();
    await bed.relay(300).runOnce();
    const [da] = await bed.deliveriesOf(a.id);
    assert.equal(da!.last_error, 'timeout');
    assert.equal(da!.last_status_code, null);
    assert.equal(da!.delivered_at, null);
    const [db] = await bed.deliveriesOf(b.id);
    assert.equal(db!.last_status_code, 302);
    assert.equal(db!.last_error, 'HTTP 302');
    assert.equal(db!.delivered_at, null);
    assert.equal(redirect.r.received.length, 1);
  });

  test('a receiver answering an endless body: delivered, its answer stored truncated', async () => {
    const { r, url } = await bed.receiver();
    r.otherwise = 'endless';
    const ep = await bed.endpoint(url);
    await bed.message();
    await bed.relay().runOnce();
    const [d] = await bed.deliveriesOf(ep.id);
    assert.ok(d!.delivered_at);
    assert.ok(d!.last_response!.endsWith('…[truncated]'));
    assert.ok(d!.last_response!.length < 2000);
  });

  test('one hanging endpoint does not hold back another: its other rows are released untried', async () => {
    const hang = await bed.receiver();
    hang.r.otherwise = 'hang';
    const good = await bed.receiver();
    const a = await bed.endpoint(hang.url);
    const b = await bed.endpoint(good.url);
    const ids = [await bed.message(), await bed.message(), await bed.message()];
    await bed.relay(300).runOnce();
    assert.deepEqual(good.r.idsReceived().sort(), [...ids].sort());
    assert.equal(hang.r.received.length, 1, 'one timeout per batch, not one per message');
    const rowsA = await bed.deliveriesOf(a.id);
    assert.deepEqual(rowsA.map((d) => d.attempts).sort(), [0, 0, 1]);
    assert.ok((await bed.deliveriesOf(b.id)).every((d) => d.delivered_at !== null));
  });

  test("while one receiver hangs, another endpoint's new messages are still delivered (lanes, one batch per endpoint)", async () => {
    const hang = await bed.receiver();
    hang.r.otherwise = 'hang';
    const good = await bed.receiver();
    const a = await bed.endpoint(hang.url, ['user.created']);
    await bed.endpoint(good.url, ['user.created', 'user.banned']);
    const first = await bed.message('user.created');
    const wh = bed.relay(10_000, { lanes: 4, pollMs: 50 });
    wh.start();
    try {
      await eventually(async () => hang.r.received.length === 1 && good.r.idsReceived().includes(first), 'the first message at both');
      const second = await bed.message('user.banned');
      wh.nudge();
      await eventually(async () => good.r.idsReceived().includes(second), 'the second message at the good receiver');
      const [da] = await bed.deliveriesOf(a.id);
      assert.equal(da!.last_error, null, "the hanging receiver's attempt is still under way");
      assert.ok(da!.lease_until && da!.delivered_at === null);
      assert.equal(hang.r.received.length, 1, 'no second request to the endpoint that has one in flight');
    } finally {
      hang.r.release();
      await wh.stop();
    }
  });

  test('rows leased by a relay that died mid-delivery are sent by the next one, with the same webhook-id', async () => {
    const { r, url } = await bed.receiver();
    const ep = await bed.endpoint(url);
    const id = await bed.message();
    // A relay claims the row, then dies before settling it.
    const claimed = await webhookDeliveryStore(bed.h.db).claim(10, 60_000);
    assert.equal(claimed.length, 1);
    const wh = bed.relay();
    assert.equal((await wh.runOnce()).claimed, 0, 'leased: not sent twice at once');
    // Its lease runs out.
    await bed.h.db.updateTable('webhook_deliveries').set({ lease_until: new Date(Date.now() - 1000) }).where('endpoint_id', '=', ep.id).execute();
    await wh.runOnce();
    assert.deepEqual(r.idsReceived(), [id]);
    const [d] = await bed.deliveriesOf(ep.id);
    assert.ok(d!.delivered_at);
    assert.equal(d!.attempts, 2);
  });

  test('without WEBHOOK_ALLOW_PRIVATE a receiver on loopback is a failed attempt, never reached', async () => {
    const { r, url } = await bed.receiver();
    const ep = await bed.endpoint(url);
    await bed.message();
    await bed.relay(2000, { allowPrivate: false }).runOnce();
    assert.equal(r.received.length, 0);
    const [d] = await bed.deliveriesOf(ep.id);
    assert.equal(d!.delivered_at, null);
    assert.equal(d!.dead_at, null, 'retried: the address may change');
    assert.match(d!.last_error ?? '', /forbidden|loopback/i);
  });

  test('a signing secret that cannot be decrypted is retried, and nothing unsigned is sent', async () => {
    const { r, url } = await bed.receiver();
    const ep = await bed.endpoint(url);
    await bed.h.db.updateTable('webhook_endpoints').set({ secret_encrypted: encryptWebhookSecret(generateWebhookSecret(), webhookEncryptionKey('another key entirely')) }).where('id', '=', ep.id).execute();
    await bed.message();
    await bed.relay().runOnce();
    assert.equal(r.received.length, 0);
    const [d] = await bed.deliveriesOf(ep.id);
    assert.equal(d!.last_error, 'signing secret unreadable');
    assert.equal(d!.dead_at, null);
  });

  test('deliveries of a deleted endpoint are settled, not sent', async () => {
    const { r, url } = await bed.receiver();
    const ep = await bed.endpoint(url);
    await bed.message();
    await bed.h.db.updateTable('webhook_endpoints').set({ deleted_at: new Date() }).where('id', '=', ep.id).execute();
    await bed.relay().runOnce();
    assert.equal(r.received.length, 0);
    const [d] = await bed.deliveriesOf(ep.id);
    assert.ok(d!.dead_at);
    assert.equal(d!.last_error, 'endpoint deleted');
  });
});
