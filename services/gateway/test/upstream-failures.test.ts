/**
 * Failure behaviour against real HTTP servers behind a real gateway: a stopped upstream, a slow
 * one, one that drops connections, one that answers 4xx/5xx; retries; the circuit breaker.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { App } from '@questline/platform';
import { json, startGateway, startUpstreams, type Upstreams } from './support/upstreams.js';

let up: Upstreams;
const gateways: App[] = [];

async function gateway(env: Record<string, string> = {}) {
  const gw = await startGateway(up, { RATE_LIMIT_MAX: '100000', ...env });
  gateways.push(gw.app);
  return gw.url;
}

async function assertError(res: Response, status: number, code: string) {
  const text = await res.text();
  assert.equal(res.status, status, text);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const body = JSON.parse(text);
  assert.equal(body.error.code, code);
  assert.equal(body.error.requestId, res.headers.get('x-request-id'));
  return body;
}

before(async () => {
  up = await startUpstreams();
});
after(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await up?.close();
});
beforeEach(() => {
  up.catalog.behave(undefined);
  up.catalog.requests.length = 0;
});

describe('answers pass through', () => {
  test('upstream 4xx bodies and headers reach the caller unchanged', async () => {
    const url = await gateway();
    const body = { error: { code: 'QUEST_KEY_TAKEN', message: 'taken', requestId: 'x' } };
    up.catalog.behave((_req, res) => json(res, 409, body, { etag: '"abc"' }));
    const res = await fetch(`${url}/api/v1/quests/x`);
    assert.equal(res.status, 409);
    assert.equal(res.headers.get('etag'), '"abc"');
    assert.deepEqual(await res.json(), body);
  });

  test('an upstream 5xx in the error shape passes; an HTML or foreign-format one becomes ours', async () => {
    const url = await gateway();
    const ours = { error: { code: 'INTERNAL', message: 'internal error', requestId: 'r1' } };
    up.catalog.behave((_req, res) => json(res, 500, ours));
    const passed = await fetch(`${url}/api/v1/quests`);
    assert.equal(passed.status, 500);
    assert.deepEqual(await passed.json(), ours);
    up.catalog.behave((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body>Bad gateway</body></html>');
    });
    await assertError(await fetch(`${url}/api/v1/quests`), 502, 'UPSTREAM_ERROR');
    // What a draining Fastify answers: JSON, but not our shape.
    up.catalog.behave((_req, res) => json(res, 503, { error: 'Service Unavailable', message: 'Service Unavailable', statusCode: 503 }));
    await assertError(await fetch(`${url}/api/v1/quests`), 503, 'UPSTREAM_UNAVAILABLE');
  });
});

describe('connection management stays per hop', () => {
  test("an upstream closing its connection (a draining service) does not close the client's", async () => {
    const url = await gateway();
    up.catalog.behave((_req, res) => json(res, 200, { draining: true }, { connection: 'close' }));
    const { status, connection } = await new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      http
        .get(`${url}/api/v1/quests`, { agent: new http.Agent({ keepAlive: true }) }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
        })
        .on('error', reject);
    });
    assert.equal(status, 200);
    assert.notEqual(connection, 'close');
  });
});

describe('failures', () => {
  test('a stopped upstream is a fast 503 UPSTREAM_UNAVAILABLE; it is back as soon as it restarts', async () => {
    const url = await gateway();
    await up.catalog.stop();
    try {
      const t0 = Date.now();
      await assertError(await fetch(`${url}/api/v1/quests`), 503, 'UPSTREAM_UNAVAILABLE');
      await assertError(await fetch(`${url}/api/v1/admin/quests`, { method: 'POST', headers: { authorization: `Bearer ${await up.token({ sub: crypto.randomUUID(), role: 'admin' })}`, 'content-type': 'application/json' }, body: '{}' }), 503, 'UPSTREAM_UNAVAILABLE');
      assert.ok(Date.now() - t0 < 1000, 'fast, not a hang');
    } finally {
      await up.catalog.start();
    }
    assert.equal((await fetch(`${url}/api/v1/quests`)).status, 200);
  });

  test('a slow upstream is 504 UPSTREAM_TIMEOUT after UPSTREAM_TIMEOUT_MS; a per-upstream override wins', async () => {
    const url = await gateway({ UPSTREAM_TIMEOUT_MS: '5000', CATALOG_UPSTREAM_TIMEOUT_MS: '200' });
    // undici checks header timeouts on a coarse (~0.5-1 s) timer, so "slow" here is well past that.
    up.catalog.behave(async (_req, res) => {
      await sleep(3000);
      if (!res.destroyed) json(res, 200, { late: true });
    });
    await assertError(await fetch(`${url}/api/v1/quests`), 504, 'UPSTREAM_TIMEOUT');
    assert.equal(up.catalog.apiRequests().length, 1, 'a timed-out GET is not retried');
  });

  test('a GET whose connection drops is retried once; a POST is not', async () => {
    const url = await gateway();
    let calls = 0;
    up.catalog.behave((req, res) => {
      calls += 1;
      if (calls % 2 === 1) return void req.socket.destroy();
      json(res, 200, { attempt: calls });
    });
    const get = await fetch(`${url}/api/v1/quests`);
    assert.equal(get.status, 200);
    assert.deepEqual(await get.json(), { attempt: 2 });
    calls = 0;
    const token = await up.token({ sub: crypto.randomUUID(), role: 'admin' });
    await assertError(await fetch(`${url}/api/v1/admin/quests`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' }), 503, 'UPSTREAM_UNAVAILABLE');
    assert.equal(calls, 1, 'a POST is sent once');
  });
});

describe('circuit breaker', () => {
  test('opens after N failures (fail fast, upstream untouched), probes after the cool-down, closes', async () => {
    const url = await gateway({ CIRCUIT_FAILURE_THRESHOLD: '3', CIRCUIT_COOLDOWN_MS: '400', CATALOG_UPSTREAM_TIMEOUT_MS: '150' });
    let slow = true;
    up.catalog.behave(async (_req, res) => {
      if (slow) await sleep(3000);
      if (!res.destroyed) json(res, 200, { ok: true });
    });
    for (let i = 0; i < 3; i++) await assertError(await fetch(`${url}/api/v1/quests`), 504, 'UPSTREAM_TIMEOUT');
    const reached = up.catalog.apiRequests().length;
    assert.equal(reached, 3);

    // Open: the upstream is not asked at all.
    slow = false;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${url}/api/v1/quests`);
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
      await assertError(res, 503, 'UPSTREAM_UNAVAILABLE');
    }
    assert.equal(up.catalog.apiRequests().length, reached, 'an open circuit costs the upstream nothing');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /gateway_circuit_state\{upstream="catalog",service="gateway"\} 2/);
    assert.match(metrics, /gateway_circuit_rejections_total\{upstream="catalog",service="gateway"\} 5/);
    assert.equal((await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${await up.token({ sub: crypto.randomUUID() })}` } })).status, 200, 'other upstreams are unaffected');

    // After the cool-down one probe goes through; it succeeds, so the circuit closes.
    await sleep(500);
    assert.equal((await fetch(`${url}/api/v1/quests`)).status, 200);
    assert.equal((await fetch(`${url}/api/v1/rewards`)).status, 200);
    assert.equal(up.catalog.apiRequests().length, reached + 2);
    assert.match(await (await fetch(`${url}/metrics`)).text(), /gateway_circuit_state\{upstream="catalog",service="gateway"\} 0/);
  });

  test('a failed probe opens the circuit again', async () => {
    const url = await gateway({ CIRCUIT_FAILURE_THRESHOLD: '1', CIRCUIT_COOLDOWN_MS: '300' });
    await up.catalog.stop();
    try {
      await assertError(await fetch(`${url}/api/v1/quests`), 503, 'UPSTREAM_UNAVAILABLE');
      await sleep(350);
      await assertError(await fetch(`${url}/api/v1/quests`), 503, 'UPSTREAM_UNAVAILABLE');
      const metrics = await (await fetch(`${url}/metrics`)).text();
      assert.match(metrics, /gateway_circuit_state\{upstream="catalog",service="gateway"\} 2/);
      assert.match(metrics, /gateway_upstream_failures_total\{upstream="catalog",kind="unavailable",service="gateway"\} 2/);
    } finally {
      await up.catalog.start();
    }
  });
});
