import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { closeOutboundAgents } from '@questline/platform';
import { bearer, loginAdmin, startAuth, type Harness, type Tokens } from './support.js';

const BASE = '/api/v1/admin/webhooks';

/** A real receiver on loopback, answering with whatever status the test sets. */
class Receiver {
  readonly received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  status = 204;
  private server: Server | undefined;

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body });
        res.writeHead(this.status, { 'content-type': 'text/plain' }).end(this.status === 204 ? undefined : 'nope');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

let h: Harness;
let admin: Tokens;
const receiver = new Receiver();
let receiverUrl: string;
before(async () => {
  // The development keys: a receiver on loopback over http.
  h = await startAuth({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: 'true' });
  admin = await loginAdmin(h.app);
  receiverUrl = await receiver.listen();
});
after(async () => {
  await h?.close();
  await receiver.close();
  await closeOutboundAgents();
});

type Method = 'GET' | 'POST';
const call = (method: Method, url: string, payload?: unknown) =>
  h.app.inject({ method, url, headers: bearer(admin.accessToken), ...(payload === undefined ? {} : { payload: payload as object }) });

async function createEndpoint(url = receiverUrl) {
  const res = await call('POST', BASE, { url, events: ['reward.granted'] });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { webhook: { id: string }; secret: string };
}

describe('test message', () => {
  test('a signed webhook.test reaches a real receiver; the signature verifies with the standardwebhooks package', async () => {
    const { webhook, secret } = await createEndpoint();
    receiver.status = 204;
    const before = receiver.received.length;
    const res = await call('POST', `${BASE}/${webhook.id}/test`);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().statusCode, 204);
    assert.equal(typeof res.json().durationMs, 'number');
    assert.equal(receiver.received.length, before + 1);
    const got = receiver.received.at(-1)!;
    const headers = { 'webhook-id': String(got.headers['webhook-id']), 'webhook-timestamp': String(got.headers['webhook-timestamp']), 'webhook-signature': String(got.headers['webhook-signature']) };
    const payload = new Webhook(secret.slice('whsec_'.length)).verify(got.body, headers) as { type: string; data: unknown };
    assert.equal(payload.type, 'webhook.test');
    assert.deepEqual(payload.data, {});
    assert.equal(got.headers['content-type'], 'application/json');
    // Not stored as a message, so never retried.
    const stored = await h.db.selectFrom('webhook_messages').select('id').where('id', '=', headers['webhook-id']).execute();
    assert.equal(stored.length, 0);
  });

  test('after a rotation the test message carries two signatures, each verifying with its own secret', async () => {
    const { webhook, secret: oldSecret } = await createEndpoint();
    const newSecret = (await call('POST', `${BASE}/${webhook.id}/rotate-secret`)).json().secret as string;
    const res = await call('POST', `${BASE}/${webhook.id}/test`);
    assert.equal(res.json().statusCode, 204);
    const got = receiver.received.at(-1)!;
    const headers = { 'webhook-id': String(got.headers['webhook-id']), 'webhook-timestamp': String(got.headers['webhook-timestamp']), 'webhook-signature': String(got.headers['webhook-signature']) };
    assert.equal(headers['webhook-signature'].split(' ').length, 2);
    for (const s of [oldSecret, newSecret]) new Webhook(s.slice('whsec_'.length)).verify(got.body, headers);
  });

  test('a receiver answering 500 is reported with its status; one that refuses connections with an error', async () => {
    const { webhook } = await createEndpoint();
    receiver.status = 500;
    const failing = await call('POST', `${BASE}/${webhook.id}/test`);
    assert.equal(failing.statusCode, 200);
    assert.equal(failing.json().statusCode, 500);
    receiver.status = 204;

    const dead = await createEndpoint('http://127.0.0.1:9/hook');
    const refused = await call('POST', `${BASE}/${dead.webhook.id}/test`);
    assert.equal(refused.statusCode, 200, refused.body);
    assert.equal(typeof refused.json().error, 'string');
    assert.equal(refused.json().statusCode, undefined);
  });
});

/** Delivery rows as the worker leaves them, written by SQL (the worker is not part of this test). */
async function seedDeliveries(endpointId: string) {
  const rows: Array<{ id: string; state: 'pending' | 'succeeded' | 'failed'; createdAt: Date }> = [];
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const states = ['succeeded', 'failed', 'pending', 'succeeded', 'failed'] as const;
  for (const [i, state] of states.entries()) {
    const messageId = randomUUID();
    await h.db.insertInto('webhook_messages').values({ id: messageId, type: 'reward.granted', body: '{"type":"reward.granted","timestamp":"2026-01-01T00:00:00.000Z","data":{}}' }).execute();
    const createdAt = new Date(t0 + i * 60_000);
    const row = await h.db
      .insertInto('webhook_deliveries')
      .values({
        endpoint_id: endpointId,
        message_id: messageId,
        created_at: createdAt,
        attempts: state === 'pending' ? 1 : state === 'failed' ? 8 : 2,
        next_attempt_at: new Date(t0 + 3600_000),
        delivered_at: state === 'succeeded' ? new Date(createdAt.getTime() + 5000) : null,
        dead_at: state === 'failed' ? new Date(createdAt.getTime() + 86_400_000) : null,
        last_status_code: state === 'succeeded' ? 200 : 500,
        last_error: state === 'succeeded' ? null : 'status 500',
        last_response: 'nope',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    rows.push({ id: row.id, state, createdAt });
  }
  return rows;
}

describe('delivery log', () => {
  test('newest first, paged, with the documented fields; filtered by status', async () => {
    const { webhook } = await createEndpoint();
    const seeded = await seedDeliveries(webhook.id);
    const newestFirst = [...seeded].reverse();

    const page1 = await call('GET', `${BASE}/${webhook.id}/deliveries?limit=2`);
    assert.equal(page1.statusCode, 200, page1.body);
    const body1 = page1.json() as { items: Array<Record<string, unknown>>; nextCursor: string };
    assert.deepEqual(body1.items.map((d) => d.id), newestFirst.slice(0, 2).map((d) => d.id));
    const page2 = (await call('GET', `${BASE}/${webhook.id}/deliveries?limit=2&cursor=${body1.nextCursor}`)).json();
    const page3 = (await call('GET', `${BASE}/${webhook.id}/deliveries?limit=2&cursor=${page2.nextCursor}`)).json();
    assert.deepEqual([...page2.items, ...page3.items].map((d: { id: string }) => d.id), newestFirst.slice(2).map((d) => d.id));
    assert.equal(page3.nextCursor, null);

    const failed = body1.items[0]!;
    assert.deepEqual(Object.keys(failed).sort(), ['attempts', 'createdAt', 'deliveredAt', 'eventType', 'id', 'lastError', 'lastStatusCode', 'messageId', 'nextAttemptAt', 'status']);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.eventType, 'reward.granted');
    assert.equal(failed.attempts, 8);
    assert.equal(failed.lastStatusCode, 500);
    assert.equal(failed.nextAttemptAt, null);
    const succeeded = body1.items[1]!;
    assert.equal(succeeded.status, 'succeeded');
    assert.equal(succeeded.deliveredAt, new Date(seeded[3]!.createdAt.getTime() + 5000).toISOString());

    for (const status of ['pending', 'succeeded', 'failed'] as const) {
      const res = await call('GET', `${BASE}/${webhook.id}/deliveries?status=${status}`);
      assert.equal(res.statusCode, 200);
      const ids = res.json().items.map((d: { id: string; status: string }) => (assert.equal(d.status, status), d.id));
      assert.deepEqual(ids, newestFirst.filter((d) => d.state === status).map((d) => d.id), status);
    }
    // Another endpoint's log is its own.
    const other = await createEndpoint();
    assert.deepEqual((await call('GET', `${BASE}/${other.webhook.id}/deliveries`)).json().items, []);
  });

  test('retry: 202, a failed delivery becomes pending and due now, same message (webhook-id)', async () => {
    const { webhook } = await createEndpoint();
    const seeded = await seedDeliveries(webhook.id);
    const failed = seeded.find((d) => d.state === 'failed')!;
    const before = await h.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', failed.id).executeTakeFirstOrThrow();
    const res = await call('POST', `${BASE}/${webhook.id}/deliveries/${failed.id}/retry`);
    assert.equal(res.statusCode, 202, res.body);
    const row = await h.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', failed.id).executeTakeFirstOrThrow();
    assert.equal(row.dead_at, null);
    assert.equal(row.delivered_at, null);
    assert.equal(row.message_id, before.message_id);
    assert.ok(row.next_attempt_at.getTime() <= Date.now() + 1000, 'due now');
    const pending = (await call('GET', `${BASE}/${webhook.id}/deliveries?status=pending`)).json().items.map((d: { id: string }) => d.id);
    assert.ok(pending.includes(failed.id));

    const other = await createEndpoint();
    const wrongEndpoint = await call('POST', `${BASE}/${other.webhook.id}/deliveries/${failed.id}/retry`);
    assert.equal(wrongEndpoint.statusCode, 404, "another endpoint's delivery is not found");
  });
});
