/**
 * api.md v1.1 end to end through the gateway, as a product's backend uses it: an API key, a user
 * under the product's own id, a server event that completes an auto-claim quest and pays, a
 * minted session reading /me/quests and /me, spending, and the ways each of these is refused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { apiClient, eventually, internalHeaders, type ApiCall, type TestStack, startTestStack } from '@questline/testkit';

let stack: TestStack;
let api: ApiCall;
let adminToken: string;
let key: string;
let keyId: string;
const tag = randomUUID().slice(0, 8);
const QUEST = `first-purchase-${tag}`;
const PURCHASE = `purchase-${tag}`;
const GOLD_REWARD = '5e0d0000-0000-4000-8000-000000000001';

async function createKey(scopes: string[], name = `backend ${tag}`) {
  const res = await api('POST', '/api/v1/admin/api-keys', { token: adminToken, body: { name, scopes } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { secret: res.body.secret as string, id: res.body.apiKey.id as string };
}

async function refreshCatalog() {
  const path = '/internal/catalog/refresh';
  const res = await fetch(stack.urls.progress + path, { method: 'POST', headers: internalHeaders(stack.internalToken, 'POST', path) });
  assert.equal(res.status < 300, true, `catalog refresh answered ${res.status}`);
}

before(async () => {
  stack = await startTestStack({ name: 'backend' });
  api = apiClient(stack.gateway);
  const login = await api('POST', '/api/v1/auth/login', { body: stack.admin });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  adminToken = login.body.accessToken;
  ({ secret: key, id: keyId } = await createKey(['events:write', 'users:write', 'users:read', 'catalog:write']));
  assert.match(key, /^qlk_[A-Za-z0-9]{8}_[A-Za-z0-9]{43,}$/);
});

after(async () => {
  await stack?.close();
});

describe('a product backend with an API key, through the gateway', () => {
  let userId: string;
  let session: string;
  const externalId = `shop:${tag}@eu`;

  test('the key publishes a quest its server events complete (catalog:write)', async () => {
    const created = await api('POST', '/api/v1/admin/quests', {
      token: key,
      body: { key: QUEST, name: 'First purchase', objective: { event: PURCHASE, mode: 'count', target: 1 }, rewardId: GOLD_REWARD, autoClaim: true, maxCompletions: 1 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const published = await api('POST', `/api/v1/admin/quests/${QUEST}/publish`, { token: key });
    assert.equal(published.status, 200, JSON.stringify(published.body));
    await refreshCatalog();
    const types = await api('GET', '/api/v1/admin/event-types', { token: key });
    assert.equal(types.status, 200, JSON.stringify(types.body));
    const purchase = types.body.items.find((t: { type: string }) => t.type === PURCHASE);
    assert.deepEqual({ declared: purchase.declared, playerReportable: purchase.playerReportable, usedBy: purchase.usedBy }, { declared: false, playerReportable: false, usedBy: [QUEST] });
  });

  test('a user under the product’s own id: 201 created, then 200 updated, readable by it', async () => {
    const first = await api('PUT', `/api/v1/users/external/${encodeURIComponent(externalId)}`, { token: key, body: { timezone: 'Europe/Paris' } });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.user.externalId, externalId);
    assert.equal(first.body.user.timezone, 'Europe/Paris');
    userId = first.body.user.id;
    const again = await api('PUT', `/api/v1/users/external/${encodeURIComponent(externalId)}`, { token: key, body: { timezone: 'Europe/Paris' } });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.user.id, userId);
    const read = await api('GET', `/api/v1/users/external/${encodeURIComponent(externalId)}`, { token: key });
    assert.equal(read.status, 200);
    assert.equal(read.body.user.id, userId);
  });

  test('a server event names the user by external id, completes the auto-claim quest and pays once', async () => {
    const send = () => api('POST', '/api/v1/events', { token: key, headers: { 'idempotency-key': `order-${tag}` }, body: { externalUserId: externalId, type: PURCHASE } });
    const res = await send();
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.eventId, `order-${tag}`);
    assert.equal(res.body.duplicate, false);
    assert.deepEqual(res.body.completed, [QUEST]);
    assert.deepEqual(res.body.rewarded, [{ questKey: QUEST, items: [{ currency: 'gold', amount: 10 }] }]);
    const retry = await send();
    assert.equal(retry.status, 200);
    assert.equal(retry.body.duplicate, true);
    assert.deepEqual(retry.body.completed, []);
  });

  test('a minted session reads /me and /me/quests as that player', async () => {
    const minted = await api('POST', `/api/v1/users/${userId}/sessions`, { token: key, body: { ttlSeconds: 600 } });
    assert.equal(minted.status, 201, JSON.stringify(minted.body));
    assert.equal(minted.body.tokenType, 'Bearer');
    assert.equal(minted.body.expiresIn, 600);
    session = minted.body.accessToken;
    const me = await eventually(async () => {
      const r = await api('GET', '/api/v1/me', { token: session });
      return r.status === 200 && r.body.user.balances.gold === 10 ? r : undefined;
    }, 10_000, 'the purchase reward in the balance');
    assert.equal(me.body.user.id, userId);
    assert.equal(me.body.user.externalId, externalId);
    const quests = await api('GET', '/api/v1/me/quests', { token: session });
    assert.equal(quests.status, 200);
    const view = quests.body.items.find((i: { quest: { key: string } }) => i.quest.key === QUEST);
    assert.equal(view.completions, 1);
    assert.equal(view.status, 'maxed');
  });

  test('the player cannot farm: login and server-only types are refused for a player token, nothing stored', async () => {
    for (const type of ['login', PURCHASE]) {
      const res = await api('POST', '/api/v1/events', { token: session, body: { type } });
      assert.equal(res.status, 403, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'EVENT_NOT_PLAYER_REPORTABLE');
    }
    const me = await api('GET', '/api/v1/me', { token: session });
    assert.equal(me.body.user.balances.gold, 10);
  });

  test('a user created by external id has no password: a password login is INVALID_CREDENTIALS', async () => {
    const me = await api('GET', '/api/v1/me', { token: session });
    const res = await api('POST', '/api/v1/auth/login', { body: { username: me.body.user.username, password: 'any-password-at-all' } });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'INVALID_CREDENTIALS');
  });

  test('debits: idempotent, negative ledger entries, never below zero', async () => {
    const body = { currency: 'gold', amount: 4, reason: 'sword', idempotencyKey: `debit-${tag}` };
    const first = await api('POST', `/api/v1/users/${userId}/debits`, { token: key, body });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.entry.amount, -4);
    assert.equal(first.body.entry.source.type, 'debit');
    const again = await api('POST', `/api/v1/users/${userId}/debits`, { token: key, body });
    assert.equal(again.status, 200);
    assert.equal(again.body.entry.id, first.body.entry.id);
    const tooMuch = await api('POST', `/api/v1/users/${userId}/debits`, { token: key, body: { ...body, amount: 7, idempotencyKey: `debit-${tag}-2` } });
    assert.equal(tooMuch.status, 409);
    assert.equal(tooMuch.body.error.code, 'INSUFFICIENT_FUNDS');
    const me = await api('GET', '/api/v1/me', { token: session });
    assert.equal(me.body.user.balances.gold, 6);
    const ledger = await api('GET', '/api/v1/me/ledger', { token: session });
    assert.deepEqual(ledger.body.items.map((e: { amount: number }) => e.amount), [-4, 10]);
  });

  test('an unknown external user in a server event is created with the given timezone', async () => {
    const newcomer = `new-${tag}`;
    const res = await api('POST', '/api/v1/events', { token: key, body: { externalUserId: newcomer, timezone: 'Asia/Tokyo', type: PURCHASE } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.completed, [QUEST]);
    const read = await api('GET', `/api/v1/users/external/${newcomer}`, { token: key });
    assert.equal(read.status, 200);
    assert.equal(read.body.user.timezone, 'Asia/Tokyo');
    assert.equal(read.body.user.externalId, newcomer);
  });
});

describe('refusals through the gateway', () => {
  test('bad credentials: no key, a typo, a key in the wrong header or format', async () => {
    const path = '/api/v1/users/external/someone';
    assert.equal((await api('GET', path)).status, 401);
    const typo = key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
    const res = await api('GET', path, { token: typo });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'UNAUTHENTICATED');
    assert.equal((await api('GET', path, { headers: { 'x-api-key': key } })).status, 401);
    assert.equal((await api('GET', path, { headers: { authorization: key } })).status, 401);
    assert.equal((await api('GET', path, { token: 'qlk_short' })).status, 401);
  });

  test('a key without the scope a route needs: 403 naming the scope', async () => {
    const readOnly = await createKey(['users:read'], `read-only ${tag}`);
    const res = await api('POST', '/api/v1/events', { token: readOnly.secret, body: { externalUserId: 'x', type: PURCHASE } });
    assert.equal(res.status, 403);
    assert.match(res.body.error.message, /events:write/);
    const write = await api('PUT', '/api/v1/users/external/x', { token: readOnly.secret, body: {} });
    assert.equal(write.status, 403);
    assert.match(write.body.error.message, /users:write/);
  });

  test('a player token where a key is needed, and a key on a player route', async () => {
    const signup = await api('POST', '/api/v1/auth/signup', { body: { username: `p_${tag}`, password: 'correct-horse-battery' } });
    assert.equal(signup.status, 201);
    const login = await api('POST', '/api/v1/auth/login', { body: { username: `p_${tag}`, password: 'correct-horse-battery' } });
    const player = login.body.accessToken as string;
    const res = await api('PUT', '/api/v1/users/external/x', { token: player, body: {} });
    assert.equal(res.status, 403);
    const asKey = await api('GET', '/api/v1/me', { token: key });
    assert.equal(asKey.status, 403);
    const both = await api('POST', '/api/v1/events', { token: key, body: { userId: signup.body.user.id, externalUserId: 'x', type: PURCHASE } });
    assert.equal(both.status, 400);
    assert.equal(both.body.error.code, 'VALIDATION_FAILED');
    const neither = await api('POST', '/api/v1/events', { token: key, body: { type: PURCHASE } });
    assert.equal(neither.status, 400);
    const badId = await api('PUT', `/api/v1/users/external/${'x'.repeat(129)}`, { token: key, body: {} });
    assert.equal(badId.status, 400);
    const forbiddenChars = await api('PUT', '/api/v1/users/external/a%20b', { token: key, body: {} });
    assert.equal(forbiddenChars.status, 400);
  });

  test("a banned user's minted session is refused, and no session is minted for them", async () => {
    const created = await api('PUT', `/api/v1/users/external/banned-${tag}`, { token: key, body: {} });
    assert.equal(created.status, 201);
    const id = created.body.user.id as string;
    const minted = await api('POST', `/api/v1/users/${id}/sessions`, { token: key, body: {} });
    assert.equal(minted.status, 201);
    const ban = await api('PATCH', `/api/v1/admin/users/${id}`, { token: adminToken, body: { status: 'banned' } });
    assert.equal(ban.status, 200, JSON.stringify(ban.body));
    const me = await api('GET', '/api/v1/me', { token: minted.body.accessToken });
    assert.equal(me.status, 403);
    assert.equal(me.body.error.code, 'USER_BANNED');
    const again = await api('POST', `/api/v1/users/${id}/sessions`, { token: key, body: {} });
    assert.equal(again.status, 403);
    assert.equal(again.body.error.code, 'USER_BANNED');
  });

  test('a revoked key is refused everywhere within 5 s', async () => {
    const doomed = await createKey(['users:read'], `doomed ${tag}`);
    assert.equal((await api('GET', `/api/v1/users/external/shop:${tag}@eu`, { token: doomed.secret })).status, 200);
    const revoke = await api('DELETE', `/api/v1/admin/api-keys/${doomed.id}`, { token: adminToken });
    assert.equal(revoke.status, 204);
    // The guarantee is the bound itself (api.md: refused everywhere within 5 s), so it is the deadline.
    await eventually(async () => (await api('GET', `/api/v1/users/external/shop:${tag}@eu`, { token: doomed.secret })).status === 401, 5_000, 'the revoked key refused');
    const listed = await api('GET', '/api/v1/admin/api-keys?limit=200', { token: adminToken });
    const row = listed.body.items.find((k: { id: string }) => k.id === doomed.id);
    assert.ok(row.revokedAt);
    assert.equal(JSON.stringify(listed.body).includes(doomed.secret), false);
    assert.ok(listed.body.items.find((k: { id: string }) => k.id === keyId).lastUsedAt);
  });
});
