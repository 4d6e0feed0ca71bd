/**
 * API keys at the edge, through a real gateway in front of real HTTP stand-ins: the gateway asks
 * auth's POST /internal/api-keys/verify (signed), checks the route's scope, and only then forwards.
 * Bad keys and missing scopes never reach a service; every key is its own rate-limit caller.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { IDENTITY_HEADER, NonceCache, verifyIdentity, verifyInternal, type ApiKeyCaller, type App } from '@questline/platform';
import { json, startGateway, startUpstreams, type Upstreams } from './support/upstreams.js';

const INTERNAL_TOKEN = 'test-internal-token-0123456789';
let up: Upstreams;
const gateways: App[] = [];
/** What the auth stand-in's verify route knows: secret → key. */
const known = new Map<string, ApiKeyCaller>();
const verifyCalls: string[] = [];
let verifyDown = false;

const secretOf = (prefix: string) => `qlk_${prefix}_${'k'.repeat(43)}`;
function key(prefix: string, scopes: ApiKeyCaller['scopes']) {
  const k: ApiKeyCaller = { id: randomUUID(), name: `key ${prefix}`, prefix, scopes };
  known.set(secretOf(prefix), k);
  return { key: k, secret: secretOf(prefix) };
}

async function gateway(env: Record<string, string> = {}) {
  const gw = await startGateway(up, { RATE_LIMIT_MAX: '10000', ...env });
  gateways.push(gw.app);
  return gw.url;
}

const call = (url: string, method: string, path: string, token?: string) =>
  fetch(url + path, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });

async function assertError(res: Response, status: number, code: string, message?: RegExp) {
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(body.error.code, code);
  if (message) assert.match(body.error.message, message);
}

before(async () => {
  up = await startUpstreams();
  const nonces = new NonceCache();
  up.auth.behave((req, res, rec) => {
    if (rec.url !== '/internal/api-keys/verify') return json(res, 200, { service: 'auth', url: rec.url });
    const signed = verifyInternal(INTERNAL_TOKEN, { method: 'POST', path: rec.url, headers: req.headers, body: rec.body.toString('utf8') }, nonces);
    if (signed !== 'ok') return json(res, 401, { error: { code: 'UNAUTHENTICATED' } });
    if (verifyDown) return json(res, 503, { error: { code: 'UPSTREAM_UNAVAILABLE' } });
    const { secret } = JSON.parse(rec.body.toString('utf8')) as { secret: string };
    verifyCalls.push(secret);
    const found = known.get(secret);
    return found ? json(res, 200, { apiKey: found }) : json(res, 404, { error: { code: 'NOT_FOUND' } });
  });
});
after(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await up?.close();
});

describe('keys at the edge', () => {
  test('a key with the route\'s scope is forwarded with the key asserted, Authorization included (for direct-call parity)', async () => {
    const url = await gateway();
    const { key: k, secret } = key('Catalog1', ['catalog:write']);
    const before = up.catalog.apiRequests().length;
    const res = await call(url, 'POST', '/api/v1/admin/quests', secret);
    assert.equal(res.status, 200);
    const reached = up.catalog.apiRequests().slice(before);
    assert.equal(reached.length, 1);
    assert.equal(reached[0]!.headers.authorization, `Bearer ${secret}`);
    const target = { method: 'POST', path: '/api/v1/admin/quests', requestId: String(reached[0]!.headers['x-request-id']) };
    assert.deepEqual(verifyIdentity(INTERNAL_TOKEN, target, String(reached[0]!.headers[IDENTITY_HEADER])), { ok: true, caller: { kind: 'key', key: k } });
  });

  test('a key without the scope is 403 naming it, and nothing reaches the service', async () => {
    const url = await gateway();
    const { secret } = key('UsersRd1', ['users:read']);
    const before = up.catalog.apiRequests().length + up.progress.apiRequests().length;
    await assertError(await call(url, 'POST', '/api/v1/admin/quests', secret), 403, 'FORBIDDEN', /requires scope catalog:write/);
    await assertError(await call(url, 'POST', '/api/v1/admin/events', secret), 403, 'FORBIDDEN', /requires scope events:write/);
    assert.equal(up.catalog.apiRequests().length + up.progress.apiRequests().length, before);
  });

  test('keys are refused (403) on user-only routes and on key management, whatever their scopes', async () => {
    const url = await gateway();
    const { secret } = key('AllScope', ['events:write', 'users:write', 'users:read', 'catalog:write', 'webhooks:write']);
    const before = up.auth.apiRequests().filter((r) => r.url !== '/internal/api-keys/verify').length;
    for (const [method, path] of [
      ['GET', '/api/v1/me'],
      ['GET', '/api/v1/me/quests'],
      ['POST', '/api/v1/admin/api-keys'],
      ['DELETE', `/api/v1/admin/api-keys/${randomUUID()}`],
      ['GET', '/api/v1/admin/account-audit'],
      ['PATCH', `/api/v1/admin/users/${randomUUID()}`],
    ]) {
      await assertError(await call(url, method!, path!, secret), 403, 'FORBIDDEN');
    }
    assert.equal(up.auth.apiRequests().filter((r) => r.url !== '/internal/api-keys/verify').length, before);
  });

  test('per-method scopes: GET /users/external/{id} takes users:read, PUT users:write', async () => {
    const url = await gateway();
    const reader = key('Reader01', ['users:read']);
    const writer = key('Writer01', ['users:write']);
    assert.equal((await call(url, 'GET', '/api/v1/users/external/ext-1', reader.secret)).status, 200);
    await assertError(await call(url, 'PUT', '/api/v1/users/external/ext-1', reader.secret), 403, 'FORBIDDEN', /users:write/);
    assert.equal((await call(url, 'PUT', '/api/v1/users/external/ext-1', writer.secret)).status, 200);
    await assertError(await call(url, 'GET', '/api/v1/users/external/ext-1', writer.secret), 403, 'FORBIDDEN', /users:read/);
    await assertError(await call(url, 'DELETE', '/api/v1/users/external/ext-1', writer.secret), 403, 'FORBIDDEN');
  });

  test('POST /events: a player\'s token passes, a key needs events:write', async () => {
    const url = await gateway();
    const player = await up.token({ sub: randomUUID() });
    assert.equal((await call(url, 'POST', '/api/v1/events', player)).status, 200);
    assert.equal((await call(url, 'POST', '/api/v1/events', key('Events01', ['events:write']).secret)).status, 200);
    await assertError(await call(url, 'POST', '/api/v1/events', key('NoEvent1', ['users:read']).secret), 403, 'FORBIDDEN', /events:write/);
    await assertError(await call(url, 'POST', '/api/v1/admin/events', player), 403, 'FORBIDDEN');
  });

  test('malformed keys are 401 without asking auth; a typo or an unknown key is 401 after asking', async () => {
    const url = await gateway();
    const { secret } = key('Typo0001', ['catalog:write']);
    const asked = verifyCalls.length;
    for (const bad of ['qlk_', 'qlk_short_abc', `${secret}!`, `qlk_Typo0001_${'k'.repeat(42)}`]) {
      await assertError(await call(url, 'GET', '/api/v1/admin/quests', bad), 401, 'UNAUTHENTICATED');
    }
    assert.equal(verifyCalls.length, asked, 'no malformed key reached auth');
    await assertError(await call(url, 'GET', '/api/v1/admin/quests', `${secret.slice(0, -1)}j`), 401, 'UNAUTHENTICATED');
    await assertError(await call(url, 'GET', '/api/v1/admin/quests', secretOf('Unknown1')), 401, 'UNAUTHENTICATED');
  });

  test('a revoked key is refused once the 2 s verdict cache has passed', async () => {
    const url = await gateway();
    const { secret } = key('Revoked1', ['catalog:write']);
    assert.equal((await call(url, 'GET', '/api/v1/admin/quests', secret)).status, 200);
    known.delete(secret);
    await new Promise((r) => setTimeout(r, 2100));
    await assertError(await call(url, 'GET', '/api/v1/admin/quests', secret), 401, 'UNAUTHENTICATED');
  });

  test('auth unable to answer for a key is 503 with Retry-After, not 401', async () => {
    const url = await gateway();
    verifyDown = true;
    try {
      const res = await call(url, 'GET', '/api/v1/admin/quests', key('Down0001', ['catalog:write']).secret);
      assert.equal(res.headers.get('retry-after'), '1');
      await assertError(res, 503, 'UPSTREAM_UNAVAILABLE');
    } finally {
      verifyDown = false;
    }
  });

  test('each key is its own caller with its own budget (RATE_LIMIT_KEY_MAX), apart from users (RATE_LIMIT_USER_MAX)', async () => {
    const url = await gateway({ RATE_LIMIT_KEY_MAX: '3', RATE_LIMIT_KEY_IP_MAX: '100', RATE_LIMIT_USER_MAX: '100', RATE_LIMIT_MAX: '100' });
    const a = key('RateA001', ['catalog:write']);
    const b = key('RateB001', ['catalog:write']);
    for (let i = 0; i < 3; i++) assert.equal((await call(url, 'GET', '/api/v1/admin/quests', a.secret)).status, 200);
    await assertError(await call(url, 'GET', '/api/v1/admin/quests', a.secret), 429, 'RATE_LIMITED');
    assert.equal((await call(url, 'GET', '/api/v1/admin/quests', b.secret)).status, 200, 'another key is not limited');
    const admin = await up.token({ sub: randomUUID(), role: 'admin' });
    assert.equal((await call(url, 'GET', '/api/v1/admin/quests', admin)).status, 200, 'nor a user');
  });

  test("a backend's address sends with keys beyond the browsers' per-IP budget; requests with keys share their own per-IP budget", async () => {
    const url = await gateway({ RATE_LIMIT_MAX: '2', RATE_LIMIT_KEY_MAX: '100', RATE_LIMIT_KEY_IP_MAX: '5', RATE_LIMIT_USER_MAX: '100' });
    const a = key('IpKeyA01', ['catalog:write']);
    for (let i = 0; i < 4; i++) assert.equal((await call(url, 'GET', '/api/v1/admin/quests', a.secret)).status, 200, `request ${i + 1} with a key`);
    // Browsers from the same address still have their own two requests a minute.
    assert.equal((await call(url, 'GET', '/api/v1/quests')).status, 200);
    assert.equal((await call(url, 'GET', '/api/v1/quests')).status, 200);
    await assertError(await call(url, 'GET', '/api/v1/quests'), 429, 'RATE_LIMITED');
    // Well-formed but unknown keys count against the same per-IP key budget before any check:
    // guessing keys is bounded per address (the 5th key-bearing request of the minute, then 429).
    await assertError(await call(url, 'GET', '/api/v1/admin/quests', `qlk_Guess001_${'x'.repeat(43)}`), 401, 'UNAUTHENTICATED');
    await assertError(await call(url, 'GET', '/api/v1/admin/quests', `qlk_Guess002_${'x'.repeat(43)}`), 429, 'RATE_LIMITED');
  });
});
