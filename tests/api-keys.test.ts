/**
 * API keys end to end: the four real services behind the gateway. An admin creates keys; a
 * catalog:write key manages quests (the catalog's audit names the key), a users:read key reads
 * users and their quests, an events:write key imports events; a missing scope is 403 naming it,
 * a revoked key is refused at the gateway and at the service directly; and no log line of any
 * service ever holds a key.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { apiClient, eventually, startTestStack, type ApiCall, type TestStack } from '@questline/testkit';

let stack: TestStack;
let api: ApiCall;
let adminToken: string;
let adminId: string;

interface CreatedKey {
  apiKey: { id: string; prefix: string; scopes: string[]; lastUsedAt: string | null };
  secret: string;
}

async function createKey(scopes: string[], name = 'e2e'): Promise<CreatedKey> {
  const res = await api('POST', '/api/v1/admin/api-keys', { token: adminToken, body: { name, scopes } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as CreatedKey;
}

const questBody = (key: string) => ({
  key,
  name: `Quest ${key}`,
  description: 'made with an API key',
  objective: { event: 'match.won', mode: 'count', target: 3 },
  rewardId: undefined as string | undefined,
});

before(async () => {
  // Info level: the request log lines are what must never hold a key.
  const info = { LOG_LEVEL: 'info' };
  stack = await startTestStack({ name: 'apikeys', extraEnv: { gateway: info, auth: info, catalog: info, progress: info } });
  api = apiClient(stack.gateway);
  const login = await api('POST', '/api/v1/auth/login', { body: stack.admin });
  adminToken = login.body.accessToken;
  adminId = login.body.user.id;
});
after(async () => {
  await stack?.close();
});

describe('API keys through the gateway', () => {
  test('a catalog:write key lists and creates quests; the catalog audit names key:<id>', async () => {
    const { apiKey, secret } = await createKey(['catalog:write'], 'catalog bot');
    const list = await api('GET', '/api/v1/admin/quests', { token: secret });
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.ok(list.body.items.some((q: { key: string }) => q.key === 'daily-login'));
    const rewards = await api('GET', '/api/v1/rewards');
    const body = { ...questBody('made-by-key'), rewardId: rewards.body.items[0].id };
    const created = await api('POST', '/api/v1/admin/quests', { token: secret, body });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.quest.status, 'draft');
    const audit = await api('GET', '/api/v1/admin/audit?entity=quest&entityKey=made-by-key', { token: adminToken });
    assert.equal(audit.status, 200);
    assert.deepEqual(
      audit.body.items.map((e: { action: string; actorId: string }) => [e.action, e.actorId]),
      [['quest.create', `key:${apiKey.id}`]],
    );
  });

  test('a users:read key on a catalog:write route is 403 naming the scope; nothing is created', async () => {
    const { secret } = await createKey(['users:read'], 'reader');
    const res = await api('POST', '/api/v1/admin/quests', { token: secret, body: questBody('denied-quest') });
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'FORBIDDEN');
    assert.match(res.body.error.message, /catalog:write/);
    assert.equal((await api('GET', '/api/v1/admin/quests/denied-quest', { token: adminToken })).status, 404);
  });

  test('users:read reads users and a user\'s quests; events:write imports events; lastUsedAt is kept', async () => {
    const signup = await api('POST', '/api/v1/auth/signup', { body: { username: 'keyed_player', password: 'a-good-password' } });
    const userId = signup.body.user.id;
    const reader = await createKey(['users:read'], 'reader 2');
    const users = await api('GET', '/api/v1/admin/users?limit=200', { token: reader.secret });
    assert.equal(users.status, 200, JSON.stringify(users.body));
    assert.ok(users.body.items.some((u: { id: string }) => u.id === userId));
    const one = await api('GET', `/api/v1/admin/users/${userId}`, { token: reader.secret });
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.user.id, userId);
    // users:read reads one user; changing them (PATCH) still needs an admin.
    const patched = await api('PATCH', `/api/v1/admin/users/${userId}`, { token: reader.secret, body: { status: 'banned' } });
    assert.equal(patched.status, 403, JSON.stringify(patched.body));
    const writer = await createKey(['events:write'], 'importer');
    const imported = await api('POST', '/api/v1/admin/events', {
      token: writer.secret,
      body: { events: [{ id: `imp-${randomUUID()}`, userId, type: 'login', occurredAt: new Date(Date.now() - 86_400_000).toISOString() }] },
    });
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    assert.equal(imported.body.accepted, 1);
    const quests = await eventually(async () => {
      const res = await api('GET', `/api/v1/admin/users/${userId}/quests`, { token: reader.secret });
      return res.status === 200 && res.body.items.some((q: { completions: number }) => q.completions > 0) ? res : undefined;
    }, 10_000, 'the imported login counted');
    assert.ok(quests.body.items.length >= 2);
    assert.equal((await api('GET', `/api/v1/admin/users/${userId}/quests`, { token: writer.secret })).status, 403);
    const keys = await api('GET', '/api/v1/admin/api-keys?limit=200', { token: adminToken });
    const listed = keys.body.items.find((k: { id: string }) => k.id === reader.apiKey.id);
    assert.ok(listed.lastUsedAt, 'lastUsedAt set after use');
    assert.ok(!JSON.stringify(keys.body).includes(reader.secret), 'no secret in the list');
  });

  test('keys are refused on user routes and on key management (403), unknown keys are 401', async () => {
    const { secret } = await createKey(['events:write', 'users:write', 'users:read', 'catalog:write', 'webhooks:write'], 'everything');
    for (const [method, p] of [
      ['GET', '/api/v1/me'],
      ['GET', '/api/v1/me/quests'],
      ['GET', '/api/v1/admin/api-keys'],
      ['POST', '/api/v1/admin/api-keys'],
      ['GET', '/api/v1/admin/account-audit'],
    ] as const) {
      const res = await api(method, p, { token: secret, ...(method === 'POST' ? { body: { name: 'x', scopes: ['users:read'] } } : {}) });
      assert.equal(res.status, 403, `${method} ${p}`);
    }
    // The services answer the same when called directly.
    assert.equal((await apiClient(stack.urls.auth)('GET', '/api/v1/me', { token: secret })).status, 403);
    assert.equal((await apiClient(stack.urls.progress)('GET', '/api/v1/me/quests', { token: secret })).status, 403);
    const typo = `${secret.slice(0, -1)}${secret.endsWith('a') ? 'b' : 'a'}`;
    for (const bad of [typo, 'qlk_garbage']) {
      const res = await api('GET', '/api/v1/admin/quests', { token: bad });
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'UNAUTHENTICATED');
    }
  });

  test('a webhooks:write key manages webhooks through the gateway and its test message reaches a receiver; other keys are 403', async () => {
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      received.push(String(req.headers['webhook-id']));
      req.resume().on('end', () => res.writeHead(200).end('ok'));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const { apiKey, secret } = await createKey(['webhooks:write'], 'webhook bot');
      const created = await api('POST', '/api/v1/admin/webhooks', { token: secret, body: { url, events: ['reward.granted'] } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.match(created.body.secret, /^whsec_/);
      const id = created.body.webhook.id as string;
      const sent = await api('POST', `/api/v1/admin/webhooks/${id}/test`, { token: secret });
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
      assert.equal(sent.body.statusCode, 200);
      assert.equal(received.length, 1);
      const audit = await api('GET', `/api/v1/admin/account-audit?entity=webhook&entityKey=${id}`, { token: adminToken });
      assert.deepEqual(audit.body.items.map((e: { actorId: string }) => e.actorId), [`key:${apiKey.id}`]);

      const other = await createKey(['users:write', 'catalog:write'], 'no webhooks');
      const refused = await api('GET', '/api/v1/admin/webhooks', { token: other.secret });
      assert.equal(refused.status, 403);
      assert.match(refused.body.error.message, /webhooks:write/);
      assert.equal((await api('DELETE', `/api/v1/admin/webhooks/${id}`, { token: secret })).status, 204);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  test('a revoked key is refused at the gateway and at the service directly, within the cache TTL', async () => {
    const { apiKey, secret } = await createKey(['catalog:write'], 'to revoke');
    assert.equal((await api('GET', '/api/v1/admin/quests', { token: secret })).status, 200);
    const direct = apiClient(stack.urls.catalog);
    assert.equal((await direct('GET', '/api/v1/admin/quests', { token: secret })).status, 200);
    assert.equal((await api('DELETE', `/api/v1/admin/api-keys/${apiKey.id}`, { token: adminToken })).status, 204);
    // Each hop remembers a verdict for 2 s; past that, the revocation holds everywhere.
    await new Promise((r) => setTimeout(r, 2100));
    const atGateway = await api('GET', '/api/v1/admin/quests', { token: secret });
    assert.equal(atGateway.status, 401);
    assert.equal(atGateway.body.error.code, 'UNAUTHENTICATED');
    assert.equal((await direct('GET', '/api/v1/admin/quests', { token: secret })).status, 401);
    const audit = await api('GET', `/api/v1/admin/account-audit?entity=api_key&entityKey=${apiKey.id}`, { token: adminToken });
    assert.deepEqual(
      audit.body.items.map((e: { action: string; actorId: string }) => [e.action, e.actorId]),
      [
        ['api_key.revoked', `user:${adminId}`],
        ['api_key.created', `user:${adminId}`],
      ],
    );
  });

  test('no log line of the gateway or any service holds a key (request lines at info included)', async () => {
    const { secret } = await createKey(['catalog:write', 'users:read'], 'logged?');
    const id = `keylog-${randomUUID()}`;
    await api('GET', '/api/v1/admin/quests', { token: secret, headers: { 'x-request-id': id } });
    await api('GET', '/api/v1/admin/users', { token: secret, headers: { 'x-request-id': id } });
    // An error path too: a key without the scope, and a failing upstream validation.
    await api('POST', '/api/v1/admin/events', { token: secret, body: { events: [] }, headers: { 'x-request-id': id } });
    await api('POST', '/api/v1/admin/quests', { token: secret, body: { bad: true }, headers: { 'x-request-id': id } });
    for (const service of ['gateway', 'catalog', 'auth'] as const) {
      await eventually(async () => (await readFile(path.join(stack.logDir, `${service}.log`), 'utf8')).includes(id), 5000, `${service} logged the requests`);
    }
    for (const service of ['gateway', 'auth', 'catalog', 'progress']) {
      const log = await readFile(path.join(stack.logDir, `${service}.log`), 'utf8');
      assert.ok(!log.includes('qlk_'), `${service}.log holds no API key`);
      assert.ok(!log.includes(secret.slice(13)), `${service}.log holds no key secret`);
    }
  });
});
