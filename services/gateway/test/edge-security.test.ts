/**
 * The gateway in front of real HTTP stand-ins for the services: what reaches a service and what is
 * stopped at the edge (tokens, roles, /internal, non-canonical paths), CORS and security headers.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { IDENTITY_HEADER, signIdentity, verifyIdentity } from '@questline/platform';
import { rawRequest } from './support/raw-http.js';
import { startGateway, startUpstreams, type Upstreams } from './support/upstreams.js';

let up: Upstreams;
let gw: Awaited<ReturnType<typeof startGateway>>;
const userId = randomUUID();
const adminId = randomUUID();
let playerToken: string;
let adminToken: string;

const call = (path: string, init: RequestInit = {}) => fetch(gw.url + path, init);
const bearer = (token: string, extra: Record<string, string> = {}) => ({ headers: { authorization: `Bearer ${token}`, ...extra } });
const reached = () => up.auth.apiRequests().length + up.catalog.apiRequests().length + up.progress.apiRequests().length;

async function assertError(res: Response, status: number, code: string) {
  const body = (await res.json()) as any;
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(body.error.code, code);
  assert.equal(body.error.requestId, res.headers.get('x-request-id'));
  return body;
}

before(async () => {
  up = await startUpstreams();
  gw = await startGateway(up, { CORS_ORIGINS: 'https://app.example.com, https://admin.example.com' });
  playerToken = await up.token({ sub: userId });
  adminToken = await up.token({ sub: adminId, role: 'admin' });
});
after(async () => {
  await gw?.app.close();
  await up?.close();
});
beforeEach(() => {
  for (const s of [up.auth, up.catalog, up.progress]) s.requests.length = 0;
});

describe('routing', () => {
  test('each public path reaches the service that owns it, method, path and query intact', async () => {
    const cases: Array<[string, string, 'auth' | 'catalog' | 'progress', string?]> = [
      ['POST', '/api/v1/auth/login', 'auth'],
      ['POST', '/api/v1/auth/refresh', 'auth'],
      ['POST', '/api/v1/auth/logout', 'auth', playerToken],
      ['PATCH', '/api/v1/me', 'auth', playerToken],
      ['GET', '/api/v1/me/ledger?limit=5', 'auth', playerToken],
      ['PATCH', `/api/v1/admin/users/${userId}`, 'auth', adminToken],
      ['POST', `/api/v1/admin/users/${userId}/grants`, 'auth', adminToken],
      ['GET', '/api/v1/quests?tag=daily', 'catalog'],
      ['GET', '/api/v1/quests/daily-login', 'catalog'],
      ['POST', '/api/v1/admin/quests/daily-login/archive', 'catalog', adminToken],
      ['DELETE', `/api/v1/admin/rewards/${userId}`, 'catalog', adminToken],
      ['GET', '/api/v1/currencies', 'catalog'],
      ['POST', '/api/v1/events', 'progress', playerToken],
      ['POST', '/api/v1/me/quests/daily-login/claim', 'progress', playerToken],
      ['GET', `/api/v1/admin/users/${userId}/quests`, 'progress', adminToken],
    ];
    for (const [method, path, service, token] of cases) {
      const body = method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify({ some: 'body' });
      const res = await call(path, { method, body, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) } });
      const answer = (await res.json()) as any;
      assert.equal(res.status, 200, `${method} ${path}`);
      assert.deepEqual([answer.service, answer.method, answer.url], [service, method, path], `${method} ${path}`);
      if (body) assert.equal(answer.bytes, Buffer.byteLength(body), 'the body arrives byte for byte');
    }
  });

  test('HEAD is routed like GET, without a body', async () => {
    const res = await call('/api/v1/quests', { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '');
    assert.equal(up.catalog.apiRequests()[0]!.method, 'HEAD');
  });

  test('/internal/* and unknown paths never reach a service', async () => {
    for (const path of ['/internal/quests', '/internal/users/x', '/internal/openapi.json', '/api/v2/quests', '/api/v1/nothing']) {
      await assertError(await call(path), 404, 'NOT_FOUND');
      await assertError(await call(path, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }), 404, 'NOT_FOUND');
    }
    assert.equal(reached(), 0);
  });

  test('paths that would resolve elsewhere upstream (.., %2e%2e, backslashes) are 404 at the edge', async () => {
    for (const path of ['/api/v1/quests/../../internal/quests', '/api/v1/quests/%2e%2e/%2E%2E/internal/quests', '/api/v1/quests/x\\..\\..\\..\\internal\\quests', '/api/v1/quests/./x']) {
      const res = await rawRequest(gw.url, { path });
      assert.equal(res.status, 404, path);
      assert.equal(res.body.error.code, 'NOT_FOUND');
      assert.match(res.body.error.message, /non-canonical/, 'refused by the path check, not by the router');
    }
    assert.equal(reached(), 0);
  });
});

describe('tokens at the edge', () => {
  test('missing, garbage, expired, foreign-key and tampered tokens are 401 and reach no service', async () => {
    const expired = await up.token({ sub: userId, expiresIn: '-1m' });
    const [h, p, s] = playerToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')}.${s}`;
    const other = await startUpstreams();
    const foreign = await other.token({ sub: userId, role: 'admin' });
    await other.close();
    for (const path of ['/api/v1/me', '/api/v1/events', '/api/v1/admin/users']) {
      await assertError(await call(path), 401, 'UNAUTHENTICATED');
      for (const token of ['garbage', expired, tampered, foreign]) await assertError(await call(path, bearer(token)), 401, 'UNAUTHENTICATED');
    }
    assert.equal(reached(), 0);
  });

  test('a player on an admin route is 403; a banned user is 403 USER_BANNED; neither reaches a service', async () => {
    await assertError(await call('/api/v1/admin/users', bearer(playerToken)), 403, 'FORBIDDEN');
    await assertError(await call('/api/v1/admin/events', { method: 'POST', body: '{"events":[]}', ...bearer(playerToken, { 'content-type': 'application/json' }) }), 403, 'FORBIDDEN');
    const banned = await up.token({ sub: userId, status: 'banned' });
    await assertError(await call('/api/v1/me', bearer(banned)), 403, 'USER_BANNED');
    assert.equal(reached(), 0);
  });

  test('tokens with made-up key ids cannot make the gateway flood auth with JWKS fetches', async () => {
    const before = up.auth.requests.filter((r) => r.url === '/.well-known/jwks.json').length;
    const [, p, s] = playerToken.split('.') as [string, string, string];
    for (let i = 0; i < 20; i++) {
      const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: `garbage-${i}` })).toString('base64url');
      await assertError(await call('/api/v1/me', bearer(`${header}.${p}.${s}`)), 401, 'UNAUTHENTICATED');
    }
    const fetches = up.auth.requests.filter((r) => r.url === '/.well-known/jwks.json').length - before;
    assert.ok(fetches <= 1, `${fetches} JWKS fetches for 20 unknown kids`);
  });

  test('the verified identity goes downstream; client-sent identity and signature headers do not', async () => {
    const res = await call('/api/v1/me', bearer(playerToken, { 'x-user-id': adminId, 'x-user-role': 'admin', 'x-questline-signature': 'forged', 'x-request-id': 'edge-id-1' }));
    assert.equal(res.status, 200);
    const seen = up.auth.apiRequests()[0]!.headers;
    assert.equal(seen['x-user-id'], userId);
    assert.equal(seen['x-user-role'], 'player');
    assert.equal(seen['x-questline-signature'], undefined);
    assert.equal(seen['x-request-id'], 'edge-id-1');
    assert.equal(seen.authorization, `Bearer ${playerToken}`, 'passed on for a service that is called without an assertion');
    assert.equal(res.headers.get('x-request-id'), 'edge-id-1');
    // The verified caller, signed with the internal credential for this very request.
    const target = { method: 'GET', path: '/api/v1/me', requestId: 'edge-id-1' };
    assert.deepEqual(verifyIdentity(gw.config.INTERNAL_TOKEN, target, String(seen[IDENTITY_HEADER])), {
      ok: true,
      caller: { kind: 'user', user: { id: userId, role: 'player', status: 'active', timezone: 'UTC' } },
    });
  });

  test("a client's own identity assertion never reaches a service, even one signed with the right credential", async () => {
    const target = { method: 'GET', path: '/api/v1/me', requestId: 'edge-id-2' };
    const asAdmin = signIdentity(gw.config.INTERNAL_TOKEN, target, { kind: 'user', user: { id: adminId, role: 'admin', status: 'active', timezone: 'UTC' } });
    // With a token: the gateway's own assertion replaces it.
    assert.equal((await call('/api/v1/me', bearer(playerToken, { [IDENTITY_HEADER]: asAdmin, 'x-request-id': 'edge-id-2' }))).status, 200);
    const seen = up.auth.apiRequests()[0]!.headers;
    const verdict = verifyIdentity(gw.config.INTERNAL_TOKEN, target, String(seen[IDENTITY_HEADER]));
    assert.ok(verdict.ok && verdict.caller.kind === 'user' && verdict.caller.user.id === userId, JSON.stringify(verdict));
    // Without one: refused at the edge; on a public route it is dropped, nothing is asserted.
    await assertError(await call('/api/v1/me', { headers: { [IDENTITY_HEADER]: asAdmin, 'x-request-id': 'edge-id-2' } }), 401, 'UNAUTHENTICATED');
    await call('/api/v1/quests/q1', { headers: { [IDENTITY_HEADER]: asAdmin } });
    assert.equal(up.catalog.apiRequests()[0]!.headers[IDENTITY_HEADER], undefined);
  });

  test('on a public route a bad token is dropped, a good one passed on', async () => {
    await call('/api/v1/quests/q1', bearer('garbage'));
    await call('/api/v1/quests/q1', bearer(adminToken));
    const [anonymous, admin] = up.catalog.apiRequests();
    assert.equal(anonymous!.headers.authorization, undefined);
    assert.equal(anonymous!.headers['x-user-id'], undefined);
    assert.equal(admin!.headers.authorization, `Bearer ${adminToken}`);
    assert.equal(admin!.headers['x-user-role'], 'admin');
    assert.equal(anonymous!.headers[IDENTITY_HEADER], undefined, 'no caller, no assertion');
    assert.equal(typeof admin!.headers[IDENTITY_HEADER], 'string');
  });

  test('a client-sent X-Forwarded-For is not passed on as is', async () => {
    await call('/api/v1/quests', { headers: { 'x-forwarded-for': '6.6.6.6' } });
    assert.equal(up.catalog.apiRequests()[0]!.headers['x-forwarded-for'], '127.0.0.1');
  });
});

describe('hardening', () => {
  test('security headers, no x-powered-by, on API answers and errors alike', async () => {
    for (const res of [await call('/api/v1/quests'), await call('/api/v1/nothing')]) {
      assert.equal(res.headers.get('x-powered-by'), null);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=/);
      assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
      assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN');
      await res.body?.cancel();
    }
  });

  test('CORS: an allowed origin gets its headers (preflight too); a refused one gets none', async () => {
    const allowed = await call('/api/v1/quests', { headers: { origin: 'https://app.example.com' } });
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.match(allowed.headers.get('access-control-expose-headers') ?? '', /x-request-id/);
    const preflight = await call('/api/v1/events', {
      method: 'OPTIONS',
      headers: { origin: 'https://admin.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    assert.ok(preflight.status === 204 || preflight.status === 200, String(preflight.status));
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://admin.example.com');
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
    const refused = await call('/api/v1/quests', { headers: { origin: 'https://evil.example.com' } });
    assert.equal(refused.headers.get('access-control-allow-origin'), null);
    const refusedPreflight = await call('/api/v1/events', { method: 'OPTIONS', headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' } });
    assert.equal(refusedPreflight.headers.get('access-control-allow-origin'), null);
    const bare = await call('/api/v1/events', { method: 'OPTIONS' });
    assert.equal(bare.status, 204, 'a non-CORS OPTIONS is no error page either');
    assert.equal(up.progress.apiRequests().length, 0, 'OPTIONS is answered by the gateway');
  });
});
