import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { WEBHOOK_SECRET_PREFIX } from '@questline/platform';
import { enqueueWebhookMessage } from '../src/db/webhook-messages.repository.js';
import { decryptWebhookSecret, webhookEncryptionKey } from '../src/domain/webhook-secrets.js';
import { createApiKey } from './api-key-support.js';
import { bearer, login, loginAdmin, player, startAuth, type Harness, type Tokens } from './support.js';

const SECRET_KEY = 'a-test-webhook-secret-key-0123456789abcdef';
/** A public address literal: accepted under the production policy without any DNS lookup. */
const PUBLIC_URL = 'https://93.184.216.34/hooks/questline';
const BASE = '/api/v1/admin/webhooks';

let h: Harness;
let admin: Tokens;
before(async () => {
  // The production policy: https only, no private addresses.
  h = await startAuth({ WEBHOOK_SECRET_KEY: SECRET_KEY, WEBHOOK_ALLOW_HTTP: 'false', WEBHOOK_ALLOW_PRIVATE: 'false' });
  admin = await loginAdmin(h.app);
});
after(async () => {
  await h?.close();
});

type Method = 'GET' | 'POST' | 'DELETE' | 'PATCH';
const call = (method: Method, url: string, auth?: string, payload?: unknown) =>
  h.app.inject({ method, url, headers: auth ? bearer(auth) : {}, ...(payload === undefined ? {} : { payload: payload as object }) });

interface WebhookBody {
  id: string;
  url: string;
  events: string[];
  description: string;
  enabled: boolean;
  disabledReason: string | null;
}

async function create(body: Record<string, unknown> = {}, auth = admin.accessToken) {
  const res = await call('POST', BASE, auth, { url: PUBLIC_URL, events: ['quest.completed'], ...body });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { webhook: WebhookBody; secret: string };
}

const endpointRow = (id: string) => h.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('creating, reading, changing, deleting', () => {
  test('201 with the endpoint and its secret; the secret is stored encrypted and never shown again', async () => {
    const { webhook, secret } = await create({ events: ['quest.completed', 'reward.granted'], description: 'shop backend' });
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.ok(secret.startsWith(WEBHOOK_SECRET_PREFIX));
    assert.deepEqual(
      { url: webhook.url, events: webhook.events, description: webhook.description, enabled: webhook.enabled, disabledReason: webhook.disabledReason },
      { url: PUBLIC_URL, events: ['quest.completed', 'reward.granted'], description: 'shop backend', enabled: true, disabledReason: null },
    );
    const row = await endpointRow(webhook.id);
    assert.notEqual(row.secret_encrypted, secret);
    assert.ok(!row.secret_encrypted.includes(secret.slice(WEBHOOK_SECRET_PREFIX.length)));
    assert.equal(decryptWebhookSecret(row.secret_encrypted, webhookEncryptionKey(SECRET_KEY)), secret);
    assert.equal(row.created_by, `user:${admin.user.id}`);

    const one = await call('GET', `${BASE}/${webhook.id}`, admin.accessToken);
    assert.equal(one.statusCode, 200);
    assert.deepEqual(one.json().webhook, webhook);
    const list = await call('GET', BASE, admin.accessToken);
    assert.equal(list.statusCode, 200);
    assert.ok(list.json().items.some((w: WebhookBody) => w.id === webhook.id));
    for (const res of [one, list]) {
      assert.ok(!res.body.includes(secret.slice(WEBHOOK_SECRET_PREFIX.length)), 'no secret in a GET answer');
      assert.ok(!res.body.includes('secret'), 'no secret field at all');
    }
    const audit = await h.db.selectFrom('audit_log').selectAll().where('entity', '=', 'webhook').where('entity_key', '=', webhook.id).execute();
    assert.deepEqual(audit.map((a) => a.action), ['webhook.created']);
    assert.ok(!JSON.stringify(audit).includes(secret.slice(WEBHOOK_SECRET_PREFIX.length)));
  });

  test('the list is newest first and pages with a cursor', async () => {
    const made = [await create({ description: 'p1' }), await create({ description: 'p2' }), await create({ description: 'p3' })];
    const first = await call('GET', `${BASE}?limit=2`, admin.accessToken);
    assert.equal(first.statusCode, 200);
    const page1 = first.json() as { items: WebhookBody[]; nextCursor: string | null };
    assert.deepEqual(page1.items.map((w) => w.id), [made[2]!.webhook.id, made[1]!.webhook.id]);
    assert.ok(page1.nextCursor);
    const second = await call('GET', `${BASE}?limit=2&cursor=${page1.nextCursor}`, admin.accessToken);
    assert.equal(second.json().items[0].id, made[0]!.webhook.id);
  });

  test('PATCH changes url, events, description and enabled; enabling clears disabledReason', async () => {
    const { webhook } = await create();
    const off = await call('PATCH', `${BASE}/${webhook.id}`, admin.accessToken, { enabled: false, events: ['user.banned', 'user.unbanned'], description: 'paused' });
    assert.equal(off.statusCode, 200, off.body);
    assert.equal(off.json().webhook.enabled, false);
    assert.deepEqual(off.json().webhook.events, ['user.banned', 'user.unbanned']);
    assert.equal(off.json().webhook.description, 'paused');
    // As the delivery worker does after 5 days of failures.
    await h.db.updateTable('webhook_endpoints').set({ disabled_reason: 'failing for 5 days', failing_since: new Date(0) }).where('id', '=', webhook.id).execute();
    const on = await call('PATCH', `${BASE}/${webhook.id}`, admin.accessToken, { enabled: true, url: 'https://93.184.216.35/other' });
    assert.equal(on.statusCode, 200, on.body);
    assert.equal(on.json().webhook.enabled, true);
    assert.equal(on.json().webhook.disabledReason, null);
    assert.equal(on.json().webhook.url, 'https://93.184.216.35/other');
    assert.equal((await endpointRow(webhook.id)).failing_since, null);
  });

  test('DELETE is 204, then 404 everywhere; nothing more is fanned out to it and its pending deliveries are settled', async () => {
    const { webhook } = await create({ events: ['user.banned'] });
    const before = randomUUID();
    await enqueueWebhookMessage(h.db, { id: before, type: 'user.banned', data: { user: { id: 'u1' } } });
    const pending = await h.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', webhook.id).execute();
    assert.equal(pending.length, 1, 'subscribed and live: one delivery');

    const res = await call('DELETE', `${BASE}/${webhook.id}`, admin.accessToken);
    assert.equal(res.statusCode, 204);
    assert.equal((await call('GET', `${BASE}/${webhook.id}`, admin.accessToken)).statusCode, 404);
    assert.equal((await call('DELETE', `${BASE}/${webhook.id}`, admin.accessToken)).statusCode, 404);
    assert.equal((await call('POST', `${BASE}/${webhook.id}/rotate-secret`, admin.accessToken)).statusCode, 404);
    assert.ok(!(await call('GET', BASE, admin.accessToken)).json().items.some((w: WebhookBody) => w.id === webhook.id));

    await enqueueWebhookMessage(h.db, { id: randomUUID(), type: 'user.banned', data: { user: { id: 'u2' } } });
    const after = await h.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', webhook.id).execute();
    assert.equal(after.length, 1, 'no delivery added after the delete');
    assert.ok(after[0]!.dead_at, 'the pending one will not be sent');
    const audit = await h.db.selectFrom('audit_log').select('action').where('entity_key', '=', webhook.id).orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.action), ['webhook.created', 'webhook.deleted']);
    const listed = await call('GET', `/api/v1/admin/account-audit?entity=webhook&entityKey=${webhook.id}`, admin.accessToken);
    assert.equal(listed.statusCode, 200, listed.body);
    assert.deepEqual(listed.json().items.map((a: { action: string }) => a.action), ['webhook.deleted', 'webhook.created']);
  });

  test('unknown ids are 404, malformed ones 400', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const [method, url, body] of [
      ['GET', `${BASE}/${missing}`],
      ['PATCH', `${BASE}/${missing}`, { description: 'x' }],
      ['POST', `${BASE}/${missing}/test`],
      ['GET', `${BASE}/${missing}/deliveries`],
      ['POST', `${BASE}/${missing}/deliveries/${missing}/retry`],
    ] as Array<[Method, string, unknown?]>) {
      const res = await call(method, url, admin.accessToken, body);
      assert.equal(res.statusCode, 404, `${method} ${url}`);
      assert.equal(res.json().error.code, 'NOT_FOUND');
    }
    assert.equal((await call('GET', `${BASE}/not-a-uuid`, admin.accessToken)).statusCode, 400);
  });
});

describe('bad input (WEBHOOK_ALLOW_PRIVATE=false)', () => {
  test('forbidden URLs are 400 WEBHOOK_URL_FORBIDDEN naming url, and nothing is stored', async () => {
    const before = await h.db.selectFrom('webhook_endpoints').select(h.db.fn.countAll().as('n')).executeTakeFirstOrThrow();
    for (const url of [
      'http://93.184.216.34/hook',
      'https://user:pass@93.184.216.34/hook',
      'https://127.0.0.1/hook',
      'https://10.1.2.3/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://localhost/hook',
      'https://[::1]/hook',
      'ftp://93.184.216.34/hook',
    ]) {
      const res = await call('POST', BASE, admin.accessToken, { url, events: ['quest.completed'] });
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
      assert.equal(res.json().error.code, 'WEBHOOK_URL_FORBIDDEN', url);
      assert.equal(res.json().error.field, 'url', url);
    }
    const { webhook } = await create();
    const patched = await call('PATCH', `${BASE}/${webhook.id}`, admin.accessToken, { url: 'https://169.254.169.254/' });
    assert.equal(patched.json().error.code, 'WEBHOOK_URL_FORBIDDEN');
    assert.equal((await endpointRow(webhook.id)).url, PUBLIC_URL);
    const after = await h.db.selectFrom('webhook_endpoints').select(h.db.fn.countAll().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n) + 1);
  });

  test('bad event lists, a malformed URL and unknown fields are 400 VALIDATION_FAILED naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ url: PUBLIC_URL, events: [] }, 'events'],
      [{ url: PUBLIC_URL, events: ['quest.exploded'] }, 'events'],
      [{ url: PUBLIC_URL, events: ['webhook.test'] }, 'events'],
      [{ url: PUBLIC_URL, events: ['quest.completed', 'quest.completed'] }, 'events'],
      [{ url: PUBLIC_URL }, 'events'],
      [{ url: 'not a url', events: ['quest.completed'] }, 'url'],
      [{ url: 'https://93.184.216.34/#frag', events: ['quest.completed'] }, 'url'],
      // `.invalid` never resolves (RFC 6761): nothing can be said of its address, so it is not registered.
      [{ url: 'https://hooks.nothing.invalid/hook', events: ['quest.completed'] }, 'url'],
      [{ events: ['quest.completed'] }, 'url'],
      [{ url: PUBLIC_URL, events: ['quest.completed'], description: 'x'.repeat(501) }, 'description'],
    ];
    for (const [body, field] of cases) {
      const res = await call('POST', BASE, admin.accessToken, body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().error.code, 'VALIDATION_FAILED', JSON.stringify(body));
      assert.match(String(res.json().error.field), new RegExp(field), JSON.stringify(body));
    }
    const { webhook } = await create();
    const empty = await call('PATCH', `${BASE}/${webhook.id}`, admin.accessToken, { events: [] });
    assert.equal(empty.json().error.code, 'VALIDATION_FAILED');
    const unknown = await call('PATCH', `${BASE}/${webhook.id}`, admin.accessToken, { events: ['nope'] });
    assert.equal(unknown.statusCode, 400);
    const status = await call('GET', `${BASE}/${webhook.id}/deliveries?status=lost`, admin.accessToken);
    assert.equal(status.statusCode, 400);
  });
});

describe('who may', () => {
  test('no credential is 401; a player token and a key without webhooks:write are 403; a key with it works', async () => {
    const { webhook } = await create();
    const routes: Array<[Method, string, unknown?]> = [
      ['POST', BASE, { url: PUBLIC_URL, events: ['quest.completed'] }],
      ['GET', BASE],
      ['GET', `${BASE}/${webhook.id}`],
      ['PATCH', `${BASE}/${webhook.id}`, { description: 'x' }],
      ['DELETE', `${BASE}/${webhook.id}`],
      ['POST', `${BASE}/${webhook.id}/rotate-secret`],
      ['GET', `${BASE}/${webhook.id}/deliveries`],
      ['POST', `${BASE}/${webhook.id}/deliveries/${randomUUID()}/retry`],
      ['POST', `${BASE}/${webhook.id}/test`],
    ];
    const p = await player(h.app, 'webhook_player');
    const otherKey = await createApiKey(h.app, admin.accessToken, ['users:write', 'events:write']);
    for (const [method, url, body] of routes) {
      const none = await call(method, url, undefined, body);
      assert.equal(none.statusCode, 401, `${method} ${url}`);
      const asPlayer = await call(method, url, p.accessToken, body);
      assert.equal(asPlayer.statusCode, 403, `${method} ${url}`);
      const wrongKey = await call(method, url, otherKey.secret, body);
      assert.equal(wrongKey.statusCode, 403, `${method} ${url}`);
    }
    assert.equal((await endpointRow(webhook.id)).deleted_at, null, 'nothing was changed by the refused calls');

    const key = await createApiKey(h.app, admin.accessToken, ['webhooks:write']);
    const made = await create({ description: 'by key' }, key.secret);
    assert.equal((await endpointRow(made.webhook.id)).created_by, `key:${key.id}`);
    assert.equal((await call('GET', `${BASE}/${made.webhook.id}`, key.secret)).statusCode, 200);
    assert.equal((await call('POST', `${BASE}/${made.webhook.id}/rotate-secret`, key.secret)).statusCode, 200);
    assert.equal((await call('DELETE', `${BASE}/${made.webhook.id}`, key.secret)).statusCode, 204);
  });

  test("a banned admin's still-valid token is refused with USER_BANNED", async () => {
    const second = await player(h.app, 'webhook_admin2');
    await call('PATCH', `/api/v1/admin/users/${second.id}`, admin.accessToken, { role: 'admin' });
    const token = (await login(h.app, 'webhook_admin2')).accessToken;
    assert.equal((await call('GET', BASE, token)).statusCode, 200);
    await call('PATCH', `/api/v1/admin/users/${second.id}`, admin.accessToken, { status: 'banned' });
    const res = await call('POST', BASE, token, { url: PUBLIC_URL, events: ['quest.completed'] });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'USER_BANNED');
    assert.equal((await call('GET', BASE, token)).json().error.code, 'USER_BANNED');
  });
});

describe('rotation', () => {
  test('a new secret, shown once; the old one is kept encrypted for 24 hours', async () => {
    const { webhook, secret } = await create();
    const res = await call('POST', `${BASE}/${webhook.id}/rotate-secret`, admin.accessToken);
    assert.equal(res.statusCode, 200, res.body);
    const fresh = res.json().secret as string;
    assert.match(fresh, /^whsec_/);
    assert.notEqual(fresh, secret);
    const row = await endpointRow(webhook.id);
    const key = webhookEncryptionKey(SECRET_KEY);
    assert.equal(decryptWebhookSecret(row.secret_encrypted, key), fresh);
    assert.equal(decryptWebhookSecret(row.previous_secret_encrypted!, key), secret);
    const { rows } = await sql<{ hours: number }>`SELECT extract(epoch FROM previous_secret_expires_at - now()) / 3600 AS hours FROM webhook_endpoints WHERE id = ${webhook.id}`.execute(h.db);
    const hours = Number(rows[0]!.hours);
    assert.ok(hours > 23.9 && hours <= 24, `expires in ${hours} h`);
    const one = await call('GET', `${BASE}/${webhook.id}`, admin.accessToken);
    assert.ok(!one.body.includes(fresh.slice(6)) && !one.body.includes(secret.slice(6)));
    const audit = await h.db.selectFrom('audit_log').select(['action', 'details']).where('entity_key', '=', webhook.id).orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.action), ['webhook.created', 'webhook.secret_rotated']);
    assert.ok(!JSON.stringify(audit).includes(fresh.slice(6)));
  });
});
