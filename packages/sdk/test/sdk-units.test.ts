/**
 * The SDK's parts that need no Questline stack: its copy of the error codes, the error mapping,
 * retries against a small local HTTP server (503/429/a cut connection, then 200), webhook
 * verification against the server's own signer and the specification's vector, and the package
 * itself (a browser bundle of the main entry with no Node built-ins; `npm run build` output).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { ERROR_CODES, signWebhook } from '@questline/platform';
import { repoRoot } from '@questline/devstack';
import { createQuestline, isQuestlineError, QUESTLINE_ERROR_CODES, QuestlineError } from '../src/index.js';
import { errorFromResponse } from '../src/errors.js';
import { retryAfterMs } from '../src/retry.js';
import { tokenExpiry } from '../src/transport.js';
import { verifyWebhook, WebhookVerificationError } from '../src/webhooks.js';

describe('errors', () => {
  test('the SDK knows exactly the closed set of codes the API answers (packages/platform)', () => {
    assert.deepEqual([...QUESTLINE_ERROR_CODES].sort(), [...ERROR_CODES].sort());
  });

  test('an error body becomes a QuestlineError with code, status, requestId, field and details', () => {
    const res = new Response(null, { status: 409, headers: { 'x-request-id': 'from-header' } });
    const e = errorFromResponse(res, { error: { code: 'TIMEZONE_CHANGE_TOO_SOON', message: 'later', requestId: 'r-1', retryAt: '2026-01-01T00:00:00Z' } });
    assert.ok(e instanceof QuestlineError && e instanceof Error);
    assert.deepEqual([e.code, e.status, e.requestId, e.message, e.details.retryAt], ['TIMEZONE_CHANGE_TOO_SOON', 409, 'r-1', 'later', '2026-01-01T00:00:00Z']);
    assert.ok(isQuestlineError(e));
    assert.ok(isQuestlineError(e, 'TIMEZONE_CHANGE_TOO_SOON', 'INSUFFICIENT_FUNDS'));
    assert.ok(!isQuestlineError(e, 'INSUFFICIENT_FUNDS'));
    assert.ok(!isQuestlineError(new Error('x')));
  });

  test('an answer without our error shape (a proxy page, an unknown code) gets the code of its status', () => {
    const proxy = errorFromResponse(new Response('<html>', { status: 502, headers: { 'x-request-id': 'rid' } }), '<html>');
    assert.deepEqual([proxy.code, proxy.status, proxy.requestId], ['UPSTREAM_ERROR', 502, 'rid']);
    const newer = errorFromResponse(new Response(null, { status: 409 }), { error: { code: 'SOMETHING_NEWER', message: 'm', requestId: 'r' } });
    assert.equal(newer.code, 'BAD_REQUEST');
    assert.equal(errorFromResponse(new Response(null, { status: 500 }), undefined).code, 'INTERNAL');
  });
});

describe('options', () => {
  test('an empty or malformed API key is refused at once, not turned into a client that sends no credential', () => {
    for (const apiKey of ['', ' ', 'secret', 'Bearer qlk_x']) {
      assert.throws(() => createQuestline({ baseUrl: 'http://127.0.0.1:1', apiKey }), /apiKey must be a Questline API key/, JSON.stringify(apiKey));
    }
  });
});

describe('retries against a local HTTP server', () => {
  let server: Server;
  let base: string;
  /** What the server answers next, per path: a status (with headers), or 'cut' to drop the connection. */
  const script = new Map<string, ({ status: number; headers?: Record<string, string> } | 'cut')[]>();
  const hits: { path: string; method: string; authorization?: string; body: string }[] = [];

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        hits.push({ path: url.pathname, method: req.method ?? '', authorization: req.headers.authorization, body });
        const next = script.get(url.pathname)?.shift() ?? { status: 200 };
        if (next === 'cut') return void req.socket.destroy();
        const ok = next.status < 300;
        res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
        res.end(JSON.stringify(ok ? { items: [], user: { id: 'u' } } : { error: { code: next.status === 429 ? 'RATE_LIMITED' : 'SERVICE_UNAVAILABLE', message: 'busy', requestId: 'req-1' } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const fast = { baseDelayMs: 5, maxDelayMs: 2000 };
  const hitsOf = (p: string) => hits.filter((h) => h.path === p);

  test('a GET answered 503, then a cut connection, then 200 is retried to the 200; the key is sent as a bearer token', async () => {
    const p = '/api/v1/users/external/a';
    script.set(p, [{ status: 503 }, 'cut', { status: 200 }]);
    const ql = createQuestline({ baseUrl: base, apiKey: 'qlk_test_key', retries: fast });
    const user = await ql.getExternalUser('a');
    assert.equal(user.id, 'u');
    assert.equal(hitsOf(p).length, 3);
    assert.ok(hitsOf(p).every((h) => h.authorization === 'Bearer qlk_test_key'));
  });

  test('429 and 502 with a short retry-after are waited out; a retry-after beyond the cap is returned as the error', async () => {
    const p = '/api/v1/users/external/b';
    script.set(p, [{ status: 429, headers: { 'retry-after': '0' } }, { status: 502 }, { status: 200 }]);
    const ql = createQuestline({ baseUrl: base, apiKey: 'qlk_k', retries: fast });
    await ql.getExternalUser('b');
    assert.equal(hitsOf(p).length, 3);

    const q = '/api/v1/users/external/c';
    script.set(q, [{ status: 429, headers: { 'retry-after': '3600' } }, { status: 200 }]);
    await assert.rejects(ql.getExternalUser('c'), (e) => isQuestlineError(e, 'RATE_LIMITED') && e.status === 429 && e.requestId === 'req-1');
    assert.equal(hitsOf(q).length, 1, 'an hour is not waited for');
  });

  test('attempts are capped: four 503s surface as SERVICE_UNAVAILABLE after four tries; retries: false tries once', async () => {
    const p = '/api/v1/users/external/d';
    script.set(p, Array.from({ length: 6 }, () => ({ status: 503 })));
    const ql = createQuestline({ baseUrl: base, apiKey: 'qlk_k', retries: fast });
    await assert.rejects(ql.getExternalUser('d'), (e) => isQuestlineError(e, 'SERVICE_UNAVAILABLE'));
    assert.equal(hitsOf(p).length, 4);
    const once = createQuestline({ baseUrl: base, apiKey: 'qlk_k', retries: false });
    await assert.rejects(once.getExternalUser('d'));
    assert.equal(hitsOf(p).length, 5);
  });

  test('a POST without idempotency is never retried; with an event id, an idempotency key or an Idempotency-Key header it is', async () => {
    const ql = createQuestline({ baseUrl: base, apiKey: 'qlk_k', retries: fast });
    const sessions = '/api/v1/users/u1/sessions';
    script.set(sessions, [{ status: 503 }, { status: 200 }]);
    await assert.rejects(ql.mintSession('u1'), (e) => isQuestlineError(e, 'SERVICE_UNAVAILABLE'));
    assert.equal(hitsOf(sessions).length, 1, 'minting a session twice would make two sessions');

    const claim = '/api/v1/me/quests/q/claim';
    script.set(claim, ['cut', { status: 200 }]);
    const player = createQuestline({ baseUrl: base, session: { accessToken: 'not-a-jwt' }, retries: fast });
    await assert.rejects(player.claim('q'), TypeError);
    assert.equal(hitsOf(claim).length, 1);

    const batch = '/api/v1/admin/events';
    script.set(batch, ['cut', { status: 503 }, { status: 200 }]);
    await ql.sendEvents([{ externalUserId: 'x', type: 'purchase' }]);
    const sent = hitsOf(batch);
    assert.equal(sent.length, 3);
    const ids = sent.map((h) => JSON.parse(h.body).events[0].id);
    assert.equal(new Set(ids).size, 1, 'every attempt carries the same generated event id');

    const debit = '/api/v1/users/u1/debits';
    script.set(debit, [{ status: 502 }, { status: 200 }]);
    const { replayed } = await ql.debit('u1', { currency: 'gold', amount: 1, reason: 'r', idempotencyKey: 'k-1' });
    assert.equal(hitsOf(debit).length, 2);
    assert.equal(replayed, true, 'a 200 is the answer to an idempotency key seen before');

    const events = '/api/v1/events';
    script.set(events, [{ status: 503 }, { status: 200 }]);
    const raw = await ql.raw.POST('/api/v1/events', { body: { type: 'purchase', externalUserId: 'x' }, headers: { 'idempotency-key': 'e-1' } });
    assert.equal(raw.response.status, 200);
    assert.equal(hitsOf(events).length, 2);
  });

  test('retry-after in seconds or as an HTTP date', () => {
    const at = (v: string) => retryAfterMs(new Response(null, { headers: { 'retry-after': v } }), Date.parse('2026-01-01T00:00:00Z'));
    assert.equal(at('2'), 2000);
    assert.equal(at('Thu, 01 Jan 2026 00:00:05 GMT'), 5000);
    assert.equal(at('soon'), undefined);
  });

  test("a JWT's expiry is read without verifying it; an opaque token has none", () => {
    const payload = Buffer.from(JSON.stringify({ sub: 'u', exp: 1_700_000_000 })).toString('base64url');
    assert.equal(tokenExpiry(`eyJhbGciOiJFZERTQSJ9.${payload}.sig`), 1_700_000_000_000);
    assert.equal(tokenExpiry('qlk_abc'), undefined);
    assert.equal(tokenExpiry('a.%%%.c'), undefined);
  });
});

describe('verifyWebhook', () => {
  // The specification's vector (standard-webhooks, libraries/javascript/src/webhook.test.ts).
  const VECTOR = {
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    timestamp: 1614265330,
    body: '{"test": 2432232314}',
    signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  };
  const vectorHeaders = { 'webhook-id': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestamp), 'webhook-signature': VECTOR.signature };
  const reason = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof WebhookVerificationError);
      return e.reason;
    }
    return 'accepted';
  };

  test("the specification's vector verifies (Node headers or fetch Headers, string or bytes)", () => {
    const now = VECTOR.timestamp * 1000;
    assert.deepEqual(verifyWebhook({ secret: VECTOR.secret, headers: vectorHeaders, body: VECTOR.body, now }), { test: 2432232314 });
    assert.deepEqual(verifyWebhook({ secret: VECTOR.secret, headers: new Headers(vectorHeaders), body: new TextEncoder().encode(VECTOR.body), now }), { test: 2432232314 });
  });

  test('signatures by our server: either secret of a rotation; a tampered body, another secret, an old or future timestamp are refused', () => {
    const [oldSecret, newSecret, other] = ['whsec_' + Buffer.alloc(32, 1).toString('base64'), 'whsec_' + Buffer.alloc(32, 2).toString('base64'), 'whsec_' + Buffer.alloc(32, 3).toString('base64')];
    const timestamp = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: 'webhook.test', timestamp: new Date().toISOString(), data: {} });
    const headers = { 'Webhook-Id': 'msg_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook({ id: 'msg_1', timestamp, body }, [oldSecret, newSecret]) };
    assert.equal(verifyWebhook({ secret: oldSecret, headers, body }).type, 'webhook.test');
    assert.equal(verifyWebhook({ secret: newSecret, headers, body }).type, 'webhook.test');
    assert.equal(reason(() => verifyWebhook({ secret: other, headers, body })), 'bad-signature');
    assert.equal(reason(() => verifyWebhook({ secret: oldSecret, headers, body: body.replace('webhook.test', 'webhook.tesT') })), 'bad-signature');
    assert.equal(reason(() => verifyWebhook({ secret: oldSecret, headers: { ...headers, 'webhook-id': 'msg_2', 'Webhook-Id': undefined }, body })), 'bad-signature');
    assert.equal(reason(() => verifyWebhook({ secret: oldSecret, headers, body, now: (timestamp + 301) * 1000 })), 'timestamp-too-old');
    assert.equal(reason(() => verifyWebhook({ secret: oldSecret, headers, body, now: (timestamp - 301) * 1000 })), 'timestamp-in-future');
    assert.equal(reason(() => verifyWebhook({ secret: oldSecret, headers, body, now: (timestamp + 299) * 1000 })), 'accepted');
    assert.equal(reason(() => verifyWebhook({ secret: oldSecret, headers, body, now: (timestamp + 60) * 1000, toleranceSeconds: 30 })), 'timestamp-too-old');
    assert.equal(reason(() => verifyWebhook({ secret: oldSecret, headers: { 'webhook-id': 'msg_1', 'webhook-signature': headers['webhook-signature'] }, body })), 'missing-headers');
    assert.equal(reason(() => verifyWebhook({ secret: 'not-a-secret', headers, body })), 'bad-secret');
    assert.equal(reason(() => verifyWebhook({ secret: oldSecret, headers: { ...headers, 'webhook-signature': 'v2,abc v1,' }, body })), 'bad-signature');
  });
});

describe('the package', () => {
  test('the main entry bundles for a browser with no Node built-ins', async () => {
    const out = await build({ entryPoints: [path.join(repoRoot, 'packages/sdk/src/index.ts')], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
    assert.deepEqual(out.errors, []);
    const code = out.outputFiles[0]!.text;
    assert.doesNotMatch(code, /from ["']node:/);
    assert.match(code, /createQuestline/);
  });

  test('npm run build emits ESM and declarations that load and name both entries', async () => {
    // Inside the package's own node_modules, so that the emitted files resolve openapi-fetch.
    const outDir = path.join(repoRoot, 'packages/sdk/node_modules/.build-test');
    await rm(outDir, { recursive: true, force: true });
    try {
      await promisify(execFile)(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'packages/sdk/tsconfig.build.json', '--outDir', outDir], { cwd: repoRoot });
      const main = await import(pathToFileURL(path.join(outDir, 'index.js')).href);
      assert.equal(typeof main.createQuestline, 'function');
      assert.equal(typeof main.isQuestlineError, 'function');
      const hooks = await import(pathToFileURL(path.join(outDir, 'webhooks.js')).href);
      assert.equal(typeof hooks.verifyWebhook, 'function');
      const pkg = (await import(pathToFileURL(path.join(repoRoot, 'packages/sdk/package.json')).href, { with: { type: 'json' } })).default;
      assert.equal(pkg.private, undefined);
      assert.equal(pkg.sideEffects, false);
      for (const entry of Object.values<any>(pkg.exports).filter((e) => typeof e === 'object')) {
        assert.match(entry.types, /^\.\/dist\/.*\.d\.ts$/);
        assert.match(entry.default, /^\.\/dist\/.*\.js$/);
      }
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });
});
