/**
 * What the front door guarantees, through the real gateway and services: the error shape for bad
 * input, tokens checked at the edge, /internal never routed, request ids carried, upstream failure.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SignJWT, generateKeyPair } from 'jose';
import { apiClient, eventually, internalHeaders, startTestStack, type ApiCall, type TestStack } from '@questline/testkit';

let stack: TestStack;
let api: ApiCall;
let adminToken: string;
let playerToken: string;

function assertError(res: { status: number; body: any; headers: Headers }, status: number, code: string) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error.code, code);
  assert.equal(typeof res.body.error.message, 'string');
  assert.equal(res.body.error.requestId, res.headers.get('x-request-id'));
}

before(async () => {
  stack = await startTestStack({ name: 'edge' });
  api = apiClient(stack.gateway);
  adminToken = (await api('POST', '/api/v1/auth/login', { body: stack.admin })).body.accessToken;
  await api('POST', '/api/v1/auth/signup', { body: { username: 'player1', password: 'a-good-password' } });
  playerToken = (await api('POST', '/api/v1/auth/login', { body: { username: 'player1', password: 'a-good-password' } })).body.accessToken;
  assert.ok(adminToken && playerToken);
});

after(async () => {
  await stack?.close();
});

describe('bad input is a 4xx in the error shape, never a 500', () => {
  test('malformed JSON', async () => {
    const res = await api('POST', '/api/v1/auth/signup', { rawBody: '{"username": "x",' });
    assert.equal(res.status, 400);
    assert.ok(['INVALID_JSON', 'VALIDATION_FAILED'].includes(res.body.error.code));
  });
  test('missing, wrong-typed, unknown and oversized fields name the field', async () => {
    const missing = await api('POST', '/api/v1/auth/signup', { body: { username: 'abc' } });
    assertError(missing, 400, 'VALIDATION_FAILED');
    assert.match(missing.body.error.message, /password/);
    const wrongType = await api('POST', '/api/v1/auth/signup', { body: { username: 42, password: 'a-good-password' } });
    assertError(wrongType, 400, 'VALIDATION_FAILED');
    assert.match(wrongType.body.error.message, /username/);
    const unknown = await api('POST', '/api/v1/auth/signup', { body: { username: 'abcd', password: 'a-good-password', isAdmin: true } });
    assertError(unknown, 400, 'VALIDATION_FAILED');
    assert.match(unknown.body.error.message, /isAdmin/);
    const huge = await api('POST', '/api/v1/auth/signup', { body: { username: 'a'.repeat(5000), password: 'a-good-password' } });
    assertError(huge, 400, 'VALIDATION_FAILED');
  });
  test('a bad timezone is refused and nothing is written', async () => {
    const res = await api('POST', '/api/v1/auth/signup', { body: { username: 'tzuser', password: 'a-good-password', timezone: 'Mars/Olympus' } });
    assertError(res, 400, 'VALIDATION_FAILED');
    assert.match(res.body.error.message, /timezone/);
    const login = await api('POST', '/api/v1/auth/login', { body: { username: 'tzuser', password: 'a-good-password' } });
    assertError(login, 401, 'INVALID_CREDENTIALS');
    const patch = await api('PATCH', '/api/v1/me', { token: playerToken, body: { timezone: 'Not/AZone' } });
    assertError(patch, 400, 'VALIDATION_FAILED');
  });
  test('a lone UTF-16 surrogate is 400 naming the field; in a batch only its event is rejected', async () => {
    const single = await api('POST', '/api/v1/events', { token: playerToken, body: { id: 'edge-\ud800', type: 'edge.tap' } });
    assertError(single, 400, 'VALIDATION_FAILED');
    assert.match(single.body.error.message, /^body\.id /);
    const userId = (await api('GET', '/api/v1/me', { token: playerToken })).body.user.id;
    const events = [
      { id: 'edge-good', userId, type: 'edge.tap' },
      { id: 'edge-bad', userId, type: 'edge.tap', attributes: { ['k\udc00']: 'v' } },
    ];
    const batch = await api('POST', '/api/v1/admin/events', { token: adminToken, body: { events } });
    assert.equal(batch.status, 200, JSON.stringify(batch.body));
    assert.deepEqual(batch.body, { accepted: 1, duplicates: 0, rejected: [{ index: 1, code: 'VALIDATION_FAILED' }] });
  });
  test('unknown quest keys and unknown routes are 404', async () => {
    assertError(await api('POST', '/api/v1/me/quests/no-such-quest/claim', { token: playerToken }), 404, 'NOT_FOUND');
    assertError(await api('GET', '/api/v1/quests/no-such-quest'), 404, 'NOT_FOUND');
    assertError(await api('GET', '/api/v1/nothing-here'), 404, 'NOT_FOUND');
  });
  test('an event batch with a bad user id or too many events', async () => {
    const bad = await api('POST', '/api/v1/admin/events', { token: adminToken, body: { events: [{ id: 'e1', userId: 'not-a-uuid', type: 'login' }] } });
    assertError(bad, 400, 'VALIDATION_FAILED');
    const empty = await api('POST', '/api/v1/admin/events', { token: adminToken, body: { events: [] } });
    assertError(empty, 400, 'VALIDATION_FAILED');
  });
  test('a body over 1 MiB is 413 at the gateway', async () => {
    const res = await api('POST', '/api/v1/events', { token: playerToken, rawBody: JSON.stringify({ type: 'x', pad: 'a'.repeat(1_100_000) }) });
    assertError(res, 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('tokens at the edge', () => {
  test('no token, garbage, a token signed by another key, and an expired one are 401', async () => {
    assertError(await api('GET', '/api/v1/me'), 401, 'UNAUTHENTICATED');
    assertError(await api('GET', '/api/v1/me', { token: 'garbage' }), 401, 'UNAUTHENTICATED');
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = await new SignJWT({ role: 'admin', status: 'active', tz: 'UTC' })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'forged' })
      .setSubject('00000000-0000-4000-8000-000000000000')
      .setIssuer('questline-auth')
      .setAudience('questline')
      .setExpirationTime('5m')
      .sign(privateKey);
    assertError(await api('GET', '/api/v1/admin/users', { token: forged }), 401, 'UNAUTHENTICATED');
    const [h, p, s] = playerToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')}.${s}`;
    assertError(await api('GET', '/api/v1/admin/users', { token: tampered }), 401, 'UNAUTHENTICATED');
  });
  test('a player on an admin route is 403', async () => {
    assertError(await api('GET', '/api/v1/admin/users', { token: playerToken }), 403, 'FORBIDDEN');
    assertError(await api('POST', '/api/v1/admin/events', { token: playerToken, body: { events: [] } }), 403, 'FORBIDDEN');
  });
  test('/internal routes are never reachable through the gateway, even correctly signed', async () => {
    for (const path of ['/internal/quests', '/internal/users/00000000-0000-4000-8000-000000000000', '/internal/openapi.json']) {
      const res = await api('GET', path, { headers: internalHeaders(stack.internalToken, 'GET', path) });
      assertError(res, 404, 'NOT_FOUND');
    }
    const body = JSON.stringify({ events: [] });
    const post = await api('POST', '/internal/events', { headers: internalHeaders(stack.internalToken, 'POST', '/internal/events', body), rawBody: body });
    assert.equal(post.status, 404);
  });
});

describe('operations', () => {
  test('a request id round-trips through the gateway and the services', async () => {
    const res = await api('GET', '/api/v1/me/quests', { token: playerToken, headers: { 'x-request-id': 'trace-me-123' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-request-id'), 'trace-me-123');
    // Both the gateway and the service that answered logged the request under the caller's id.
    // Logs reach the files asynchronously, so wait for the lines rather than race them.
    for (const service of ['gateway', 'progress']) {
      await eventually(async () => {
        const log = await readFile(path.join(stack.logDir, `${service}.log`), 'utf8');
        return log.split('\n').some((l) => l.includes('"requestId":"trace-me-123"'));
      }, 5000, `${service} logging the request id`);
    }
    const generated = await api('GET', '/api/v1/quests');
    assert.match(generated.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });
  test('health, readiness and metrics on every service', async () => {
    for (const url of Object.values(stack.urls)) {
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      assert.equal((await fetch(`${url}/readyz`)).status, 200);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      assert.match(metrics, /http_requests_total/);
    }
  });
  test('the OpenAPI document describes the public paths of every service and no internal ones', async () => {
    const res = await api('GET', '/api/v1/openapi.json');
    assert.equal(res.status, 200);
    const paths = Object.keys(res.body.paths);
    for (const p of ['/api/v1/auth/signup', '/api/v1/auth/login', '/api/v1/me', '/api/v1/quests', '/api/v1/admin/quests', '/api/v1/events', '/api/v1/admin/events', '/api/v1/me/quests', '/api/v1/me/quests/{key}/claim']) {
      assert.ok(paths.includes(p), `${p} in OpenAPI`);
    }
    assert.ok(!paths.some((p) => p.startsWith('/internal')));
    const docs = await fetch(`${stack.gateway}/docs`);
    assert.equal(docs.status, 200);
  });
  test('a stopped service gives a fast 503 in the error shape; logins made meanwhile still reach progress', async () => {
    // SIGTERM: the service drains and exits cleanly.
    assert.equal(await stack.services.progress.stop(), 0);
    const t0 = Date.now();
    const res = await api('GET', '/api/v1/me/quests', { token: playerToken });
    assertError(res, 503, 'UPSTREAM_UNAVAILABLE');
    assert.ok(Date.now() - t0 < 5000);
    // A login while progress is down: auth keeps the event in its outbox and delivers it later.
    await api('POST', '/api/v1/auth/signup', { body: { username: 'latecomer', password: 'a-good-password' } });
    const login = await api('POST', '/api/v1/auth/login', { body: { username: 'latecomer', password: 'a-good-password' } });
    assert.equal(login.status, 200);
    await stack.restart('progress');
    const token = login.body.accessToken as string;
    const deadline = Date.now() + 45_000;
    let gold = 0;
    while (Date.now() < deadline && gold !== 10) {
      gold = (await api('GET', '/api/v1/me', { token })).body.user.balances.gold;
      if (gold !== 10) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(gold, 10, 'the login made while progress was down paid its daily reward');
  });
});
