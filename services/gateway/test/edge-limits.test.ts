/**
 * Limits at the edge, through a real gateway in front of real HTTP stand-ins: rate limits per IP,
 * per user and on login/signup; body, URL and header sizes. Each test builds its own gateway so
 * that rate-limit counters (per process, per replica) do not leak between tests.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { App } from '@questline/platform';
import { rawRequest } from './support/raw-http.js';
import { startGateway, startUpstreams, type Upstreams } from './support/upstreams.js';

let up: Upstreams;
const gateways: App[] = [];

async function gateway(env: Record<string, string> = {}) {
  const gw = await startGateway(up, env);
  gateways.push(gw.app);
  return gw.url;
}

async function assertError(res: Response, status: number, code: string) {
  const body = (await res.json()) as any;
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(body.error.code, code);
  assert.equal(body.error.requestId, res.headers.get('x-request-id'));
}

before(async () => {
  up = await startUpstreams();
});
after(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await up?.close();
});

describe('rate limits', () => {
  test('per IP: past RATE_LIMIT_MAX a minute, 429 RATE_LIMITED with Retry-After, and nothing reaches the service', async () => {
    const url = await gateway({ RATE_LIMIT_MAX: '5' });
    const before = up.catalog.apiRequests().length;
    for (let i = 0; i < 5; i++) assert.equal((await fetch(`${url}/api/v1/quests`)).status, 200);
    const limited = await fetch(`${url}/api/v1/rewards`);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
    await assertError(limited, 429, 'RATE_LIMITED');
    assert.equal(up.catalog.apiRequests().length - before, 5);
    assert.equal((await fetch(`${url}/healthz`)).status, 200, 'operations endpoints are not limited');
  });

  test('login and signup have their own, stricter per-IP budget', async () => {
    const url = await gateway({ RATE_LIMIT_MAX: '100', AUTH_RATE_LIMIT_MAX: '3' });
    const login = () => fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    for (let i = 0; i < 3; i++) assert.equal((await login()).status, 200);
    const limited = await login();
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    await assertError(limited, 429, 'RATE_LIMITED');
    assert.equal((await fetch(`${url}/api/v1/quests`)).status, 200, 'the rest of the API is not affected');
  });

  test('per user: keyed by the verified token, so one user cannot use up another\'s budget', async () => {
    const url = await gateway({ RATE_LIMIT_MAX: '100', RATE_LIMIT_USER_MAX: '3' });
    const alice = await up.token({ sub: randomUUID() });
    const bob = await up.token({ sub: randomUUID() });
    const me = (token: string) => fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    for (let i = 0; i < 3; i++) assert.equal((await me(alice)).status, 200);
    const limited = await me(alice);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    await assertError(limited, 429, 'RATE_LIMITED');
    const again = await up.token({ sub: JSON.parse(Buffer.from(alice.split('.')[1]!, 'base64url').toString()).sub });
    assert.equal((await me(again)).status, 429, 'a fresh token of the same user shares the budget');
    assert.equal((await me(bob)).status, 200, 'another user from the same IP still gets through');
  });
});

describe('client address (TRUST_PROXY, Fastify\'s request.ip)', () => {
  /** The X-Forwarded-For the catalog stand-in received for one request through the gateway. */
  async function forwardedAs(url: string, forwardedFor?: string) {
    const before = up.catalog.apiRequests().length;
    const res = await fetch(`${url}/api/v1/quests`, { headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } });
    assert.equal(res.status, 200);
    return up.catalog.apiRequests()[before]!.headers['x-forwarded-for'];
  }

  test('by default (false) the socket address is the client, whatever X-Forwarded-For says', async () => {
    const url = await gateway();
    assert.equal(await forwardedAs(url, '6.6.6.6, 1.2.3.4'), '127.0.0.1');
  });

  test('a hop count takes the entry that many places left of the socket, never one further left', async () => {
    const one = await gateway({ TRUST_PROXY: '1' });
    assert.equal(await forwardedAs(one, '6.6.6.6, 1.2.3.4'), '1.2.3.4', 'the spoofed left entry is ignored');
    assert.equal(await forwardedAs(one), '127.0.0.1', 'no header: the socket');
    const two = await gateway({ TRUST_PROXY: '2' });
    assert.equal(await forwardedAs(two, '6.6.6.6, 1.2.3.4, 10.0.0.5'), '1.2.3.4');
    const five = await gateway({ TRUST_PROXY: '5' });
    assert.equal(await forwardedAs(five, '1.2.3.4'), '1.2.3.4', 'fewer entries than hops: the leftmost');
  });

  test('a list of addresses and ranges trusts exactly those peers', async () => {
    const url = await gateway({ TRUST_PROXY: 'loopback, 10.0.0.0/8' });
    assert.equal(await forwardedAs(url, '6.6.6.6, 1.2.3.4, 10.0.0.5'), '1.2.3.4');
    const other = await gateway({ TRUST_PROXY: '10.0.0.0/8' });
    assert.equal(await forwardedAs(other, '1.2.3.4'), '127.0.0.1', 'the socket (loopback) is not trusted');
  });

  test('the per-IP limit counts the forwarded client, and a made-up left entry does not reset it', async () => {
    const url = await gateway({ TRUST_PROXY: '1', RATE_LIMIT_MAX: '2' });
    const from = (forwardedFor: string) => fetch(`${url}/api/v1/quests`, { headers: { 'x-forwarded-for': forwardedFor } });
    for (let i = 0; i < 2; i++) assert.equal((await from('1.2.3.4')).status, 200);
    await assertError(await from('1.2.3.4'), 429, 'RATE_LIMITED');
    await assertError(await from('9.9.9.9, 1.2.3.4'), 429, 'RATE_LIMITED');
    assert.equal((await from('5.6.7.8')).status, 200, 'another client behind the same proxy has its own budget');
  });

  test('a TRUST_PROXY entry that is no address is refused at start-up, naming the key', async () => {
    await assert.rejects(gateway({ TRUST_PROXY: '10.0.0.0/33' }), /TRUST_PROXY/);
    await assert.rejects(gateway({ TRUST_PROXY: 'everyone' }), /TRUST_PROXY/);
    await assert.rejects(gateway({ TRUST_PROXY: '300.1.2.3' }), /TRUST_PROXY/);
  });
});

describe('sizes', () => {
  let url: string;
  let token: string;
  let adminToken: string;
  before(async () => {
    url = await gateway();
    token = await up.token({ sub: randomUUID() });
    adminToken = await up.token({ sub: randomUUID(), role: 'admin' });
  });

  test('a body over 1 MiB is 413 PAYLOAD_TOO_LARGE, declared by Content-Length or not', async () => {
    const before = up.progress.apiRequests().length;
    const big = Buffer.alloc(1024 * 1024 + 1, 'a');
    const declared = await rawRequest(url, { method: 'POST', path: '/api/v1/events', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(big.length) }, chunks: [big] });
    assert.equal(declared.status, 413);
    assert.equal(declared.body.error.code, 'PAYLOAD_TOO_LARGE');
    // Chunked: no Content-Length, so the gateway counts bytes as they arrive.
    const chunks = Array.from({ length: 40 }, () => Buffer.alloc(64 * 1024, 'b'));
    const chunked = await rawRequest(url, { method: 'POST', path: '/api/v1/events', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, chunks });
    assert.equal(chunked.status, 413);
    assert.equal(chunked.body.error.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(up.progress.apiRequests().length, before, 'the service never saw them');
  });

  test('a chunked body under the limit arrives whole', async () => {
    const chunks = Array.from({ length: 8 }, () => Buffer.alloc(64 * 1024, 'c'));
    const res = await rawRequest(url, { method: 'POST', path: '/api/v1/events', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, chunks });
    assert.equal(res.status, 200);
    assert.equal(res.body.bytes, 8 * 64 * 1024);
  });

  test('the admin event batch may be up to 4 MiB, not more', async () => {
    const three = Buffer.alloc(3 * 1024 * 1024, 'd');
    const ok = await fetch(`${url}/api/v1/admin/events`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: three });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as any).bytes, three.length);
    const five = Buffer.alloc(4 * 1024 * 1024 + 1, 'd');
    await assertError(await fetch(`${url}/api/v1/admin/events`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: five }), 413, 'PAYLOAD_TOO_LARGE');
  });

  test('a URL over 8 KiB is 414 URI_TOO_LONG', async () => {
    await assertError(await fetch(`${url}/api/v1/quests?tag=${'x'.repeat(8200)}`), 414, 'URI_TOO_LONG');
    assert.equal((await fetch(`${url}/api/v1/quests?tag=${'x'.repeat(4000)}`)).status, 200);
  });

  test('headers over 16 KiB are 431 in the error shape', async () => {
    const res = await rawRequest(url, { path: '/api/v1/quests', headers: { 'x-padding': 'p'.repeat(17 * 1024) } });
    assert.equal(res.status, 431);
    assert.equal(res.body.error.code, 'HEADERS_TOO_LARGE');
    assert.equal(res.body.error.requestId, res.headers['x-request-id']);
  });
});
