import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { generateWebhookSecret, verifyWebhook } from '@questline/platform';
import { enqueueWebhookMessage } from '../src/db/webhook-messages.repository.js';
import { encryptWebhookSecret } from '../src/domain/webhook-secrets.js';
import { INTERNAL_TOKEN, startAuth, type Harness } from './support.js';
import { eventually } from './progress-stand-in.js';
import { WebhookReceiver } from './webhook-receiver.js';

// The key a service started without WEBHOOK_SECRET_KEY outside production encrypts secrets under.
const DEV_KEY = createHmac('sha256', INTERNAL_TOKEN).update('questline webhook secret key (development)').digest();

let h: Harness;
const receiver = new WebhookReceiver();
before(async () => {
  h = await startAuth({ WEBHOOK_POLL_MS: '20', WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: 'true' });
});
after(async () => {
  await h?.close();
  await receiver.close();
});

describe('webhook relay in the running service', () => {
  test('started with the app: a message enqueued is delivered, signed, and shows in the metrics', async () => {
    const secret = generateWebhookSecret();
    const ep = await h.db
      .insertInto('webhook_endpoints')
      .values({ url: await receiver.listen(), events: ['user.banned'], secret_encrypted: encryptWebhookSecret(secret, DEV_KEY), created_by: 'test' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const id = randomUUID();
    await enqueueWebhookMessage(h.db, { id, type: 'user.banned', data: { user: { id: randomUUID() } } });

    const got = await eventually(async () => receiver.received[0], 'the delivery');
    assert.equal(got.headers['webhook-id'], id);
    assert.deepEqual(verifyWebhook(got.headers, got.body, secret), { ok: true });
    await eventually(async () => {
      const d = await h.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', ep.id).executeTakeFirst();
      return d?.delivered_at ?? undefined;
    }, 'the delivery settled');

    const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, new RegExp(`^questline_webhook_deliveries_total\\{[^}]*endpoint="${ep.id}"[^}]*outcome="succeeded"[^}]*\\} 1$`, 'm'));
    assert.match(metrics, /^questline_outbox_backlog\{[^}]*relay="webhook"[^}]*\} 0$/m);
    assert.match(metrics, /^questline_webhook_delivery_seconds_count\{[^}]*\} 1$/m);
  });
});
