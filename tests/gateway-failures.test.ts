/**
 * The gateway as a process in front of the real services when things go wrong: a stopped service
 * (fast 503, circuit opens, recovers after a restart), rate limits with several gateway replicas
 * side by side, and a graceful drain on SIGTERM.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, spawnService, waitReady, type ServiceProcess } from '@questline/devstack';
import { apiClient, eventually, startTestStack, type ApiCall, type TestStack } from '@questline/testkit';

let stack: TestStack;
let api: ApiCall;
let playerToken: string;
const extraGateways: ServiceProcess[] = [];
const servers: Server[] = [];

/** Another gateway process (a replica) in front of the same services, with its own settings. */
async function startReplica(name: string, env: Record<string, string>): Promise<ServiceProcess> {
  const proc = await spawnService(
    'gateway',
    {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      LOG_LEVEL: 'info',
      INTERNAL_TOKEN: stack.internalToken,
      AUTH_URL: stack.urls.auth,
      CATALOG_URL: stack.urls.catalog,
      PROGRESS_URL: stack.urls.progress,
      ...env,
    },
    path.join(stack.logDir, name),
  );
  extraGateways.push(proc);
  await waitReady(proc);
  return proc;
}

const metric = async (url: string, pattern: RegExp) => pattern.exec(await (await fetch(`${url}/metrics`)).text())?.[1];

before(async () => {
  stack = await startTestStack({ name: 'gwfail', extraEnv: { gateway: { CIRCUIT_FAILURE_THRESHOLD: '3', CIRCUIT_COOLDOWN_MS: '500' } } });
  api = apiClient(stack.gateway);
  await api('POST', '/api/v1/auth/signup', { body: { username: 'failer1', password: 'a-good-password' } });
  playerToken = (await api('POST', '/api/v1/auth/login', { body: { username: 'failer1', password: 'a-good-password' } })).body.accessToken;
  assert.ok(playerToken);
});
after(async () => {
  for (const proc of extraGateways) await proc.stop();
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  await stack?.close();
});

test('a stopped service: a fast 503, the circuit opens, and it closes again once the service is back', async () => {
  assert.equal(await stack.services.progress.stop(), 0);
  for (let i = 0; i < 4; i++) {
    const t0 = Date.now();
    const res = await api('GET', '/api/v1/me/quests', { token: playerToken });
    // A generous bound on behaviour (no hang), not a performance figure.
    assert.ok(Date.now() - t0 < 1000, `answered within 1 s (${Date.now() - t0} ms)`);
    assert.equal(res.status, 503);
    assert.equal(res.body.error.code, 'UPSTREAM_UNAVAILABLE');
    assert.equal(res.body.error.requestId, res.headers.get('x-request-id'));
  }
  assert.equal(await metric(stack.gateway, /gateway_circuit_state\{upstream="progress"[^}]*\} (\d)/), '2', 'open after 3 failures');
  const post = await api('POST', '/api/v1/events', { token: playerToken, body: { type: 'login' } });
  assert.equal(post.status, 503, 'writes fail fast too');
  assert.equal((await api('GET', '/api/v1/quests')).status, 200, 'the other services are unaffected');
  assert.equal((await api('GET', '/api/v1/me', { token: playerToken })).status, 200);

  await stack.restart('progress');
  // After the cool-down one probe goes through, succeeds, and the circuit closes.
  await eventually(async () => (await api('GET', '/api/v1/me/quests', { token: playerToken })).status === 200, 10_000, 'progress through the gateway again');
  assert.equal(await metric(stack.gateway, /gateway_circuit_state\{upstream="progress"[^}]*\} (\d)/), '0');
});

test('replicas side by side: each serves the same system; rate limits are counted per replica', async () => {
  const [a, b] = await Promise.all([startReplica('replica-a', { RATE_LIMIT_MAX: '5' }), startReplica('replica-b', { RATE_LIMIT_MAX: '5' })]);
  const viaA = apiClient(a.url);
  const viaB = apiClient(b.url);
  for (let i = 0; i < 5; i++) assert.equal((await viaA('GET', '/api/v1/me', { token: playerToken })).status, 200);
  const limited = await viaA('GET', '/api/v1/quests');
  assert.equal(limited.status, 429);
  assert.equal(limited.body.error.code, 'RATE_LIMITED');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1, 'Retry-After in seconds');
  const other = await viaB('GET', '/api/v1/me', { token: playerToken });
  assert.equal(other.status, 200, 'replica B has its own budget');
  assert.equal(other.body.user.username, 'failer1');
});

test('SIGTERM drains: the request in flight completes, then the gateway exits 0', async () => {
  // A slow catalog stand-in, so that a request is surely in flight when the signal comes.
  let arrived!: () => void;
  const inFlight = new Promise<void>((resolve) => (arrived = resolve));
  const slow = createServer((req, res) => {
    if (req.url === '/api/v1/quests') {
      arrived();
      void sleep(1000).then(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ items: [], nextCursor: null, slow: true }));
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  servers.push(slow);
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  const gw = await startReplica('replica-drain', { CATALOG_URL: `http://127.0.0.1:${(slow.address() as AddressInfo).port}` });

  const pending = fetch(`${gw.url}/api/v1/quests`);
  await inFlight;
  gw.child.kill('SIGTERM');
  const res = await pending;
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as any).slow, true);
  assert.equal(await gw.exited, 0);
  await assert.rejects(fetch(`${gw.url}/healthz`), 'no longer listening');
});
