import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { App } from '@questline/platform';
import { buildApp } from '../src/app.js';
import { deleteExpiredCounters } from '../src/db/login-failures.repository.js';
import { throttleAddress } from '../src/domain/login-throttle.js';
import { signup, startAuth, type Harness } from './support.js';

const LIMITS = { LOGIN_MAX_FAILURES_PER_USERNAME: '3', LOGIN_MAX_FAILURES_PER_IP: '5', LOGIN_FAILURE_WINDOW_SECONDS: '900' };

let h: Harness;
before(async () => {
  h = await startAuth(LIMITS);
});
after(async () => {
  await h?.close();
});

/** Each test uses its own client address (the gateway passes it in x-forwarded-for). */
const attempt = (username: string, password: string, ip: string, app: App = h.app) =>
  app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, headers: { 'x-forwarded-for': ip } });

const counter = (scope: 'username' | 'ip', key: string) =>
  h.db.selectFrom('login_failures').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();

describe('per-username throttle', () => {
  test('after 3 failures the next attempt is 429 with Retry-After, even with the right password', async () => {
    await signup(h.app, 'victim', 'correct-password-1');
    for (let i = 0; i < 3; i++) assert.equal((await attempt('victim', `guess-${i}-wrong`, '198.51.100.1')).statusCode, 401);
    const blocked = await attempt('VICTIM', 'correct-password-1', '198.51.100.2');
    assert.equal(blocked.statusCode, 429);
    assert.equal(blocked.json().error.code, 'RATE_LIMITED');
    assert.ok(blocked.json().error.requestId);
    const retryAfter = Number(blocked.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter > 800 && retryAfter <= 900, String(blocked.headers['retry-after']));
    // Refused attempts tested no password, so they are not counted as failures.
    assert.equal((await counter('username', 'victim'))!.failures, 3);
    assert.equal((await counter('ip', '198.51.100.2'))!.failures, 0);
  });

  test('Retry-After counts down to the end of the window, after which attempts are allowed again', async () => {
    await signup(h.app, 'window_user', 'correct-password-2');
    for (let i = 0; i < 3; i++) await attempt('window_user', 'wrong-password', '198.51.100.10');
    await h.db.updateTable('login_failures').set({ window_start: sql<Date>`now() - interval '800 seconds'` }).where('key', '=', 'window_user').execute();
    const blocked = await attempt('window_user', 'correct-password-2', '198.51.100.10');
    assert.equal(blocked.statusCode, 429);
    const retryAfter = Number(blocked.headers['retry-after']);
    assert.ok(retryAfter >= 90 && retryAfter <= 100, String(retryAfter));
    await h.db.updateTable('login_failures').set({ window_start: sql<Date>`now() - interval '901 seconds'` }).where('key', '=', 'window_user').execute();
    assert.equal((await attempt('window_user', 'correct-password-2', '198.51.100.10')).statusCode, 200);
  });

  test('a successful login clears the username counter; only failures count', async () => {
    await signup(h.app, 'forgetful', 'correct-password-3');
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 2; i++) assert.equal((await attempt('forgetful', 'wrong-password', `198.51.100.${20 + round}`)).statusCode, 401);
      assert.equal((await attempt('forgetful', 'correct-password-3', `198.51.100.${20 + round}`)).statusCode, 200);
    }
    assert.equal(await counter('username', 'forgetful'), undefined);
    // Many successes from one address never throttle it.
    for (let i = 0; i < 8; i++) assert.equal((await attempt('forgetful', 'correct-password-3', '198.51.100.30')).statusCode, 200);
    assert.equal((await counter('ip', '198.51.100.30'))!.failures, 0);
  });

  test('unknown usernames are throttled like real ones (no difference to observe)', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await attempt('nobody_at_all', 'wrong-password', `198.51.100.${40 + i}`)).statusCode, 401);
    assert.equal((await attempt('nobody_at_all', 'wrong-password', '198.51.100.43')).statusCode, 429);
  });

  test('parallel guesses cannot slip past the limit', async () => {
    await signup(h.app, 'burst_target', 'correct-password-4');
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => attempt('burst_target', `parallel-guess-${i}`, `198.51.100.${50 + (i % 10)}`)),
    );
    const codes = results.map((r) => r.statusCode);
    assert.equal(codes.filter((c) => c === 401).length, 3, String(codes));
    assert.equal(codes.filter((c) => c === 429).length, 9, String(codes));
  });
});

describe('per-IP throttle', () => {
  test('5 failures from one address block every username from it, not from elsewhere', async () => {
    await signup(h.app, 'bystander', 'correct-password-5');
    for (let i = 0; i < 5; i++) assert.equal((await attempt(`spray_${i}`, 'password-guess', '203.0.113.66')).statusCode, 401);
    const blocked = await attempt('bystander', 'correct-password-5', '203.0.113.66');
    assert.equal(blocked.statusCode, 429);
    assert.ok(Number(blocked.headers['retry-after']) > 0);
    assert.equal((await attempt('bystander', 'correct-password-5', '203.0.113.67')).statusCode, 200);
    // A success does not clear the address's failures.
    assert.equal((await counter('ip', '203.0.113.66'))!.failures, 5);
  });
});

describe('client address', () => {
  test('an x-forwarded-for entry that is not an IP address is not counted as one (and is no 500)', async () => {
    await signup(h.app, 'odd_address', 'correct-password-6');
    const forwardedValues = ['a'.repeat(200), 'not-an-ip', `fe80::1%${'z'.repeat(150)}`];
    for (const [i, forwarded] of forwardedValues.entries()) {
      const res = await attempt(`odd_guess_${i}`, 'wrong-password', forwarded);
      assert.equal(res.statusCode, 401, forwarded.slice(0, 20));
      assert.equal(await counter('ip', forwarded), undefined);
    }
    // Counted against the peer's own address instead (inject's socket is 127.0.0.1).
    assert.ok((await counter('ip', '127.0.0.1'))!.failures >= 3);
    assert.equal((await attempt('odd_address', 'correct-password-6', 'b'.repeat(129))).statusCode, 200);
  });

  test('throttleAddress keeps real IPv4 and IPv6 addresses and nothing else', () => {
    assert.equal(throttleAddress('203.0.113.7', '10.0.0.1'), '203.0.113.7');
    assert.equal(throttleAddress('2001:db8::1', '10.0.0.1'), '2001:db8::1');
    assert.equal(throttleAddress('::ffff:203.0.113.7', '10.0.0.1'), '::ffff:203.0.113.7');
    assert.equal(throttleAddress('x'.repeat(129), '10.0.0.1'), '10.0.0.1');
    assert.equal(throttleAddress('1.2.3.4 ', '10.0.0.1'), '10.0.0.1');
    assert.equal(throttleAddress(undefined, undefined), 'unknown');
  });
});

describe('shared between replicas', () => {
  test('failures counted by one replica throttle the other', async () => {
    await signup(h.app, 'two_replicas', 'correct-password-6');
    const replica = await buildApp(h.config);
    try {
      for (let i = 0; i < 2; i++) await attempt('two_replicas', 'wrong-password', '192.0.2.1');
      await attempt('two_replicas', 'wrong-password', '192.0.2.2', replica);
      assert.equal((await attempt('two_replicas', 'correct-password-6', '192.0.2.3', replica)).statusCode, 429);
      assert.equal((await attempt('two_replicas', 'correct-password-6', '192.0.2.3')).statusCode, 429);
    } finally {
      await replica.close();
    }
  });
});

describe('housekeeping', () => {
  test('expired counters are swept; throttled attempts are counted in metrics', async () => {
    await h.db.insertInto('login_failures').values({ scope: 'ip', key: '192.0.2.250', failures: 7, window_start: sql<Date>`now() - interval '2 hours'` }).execute();
    assert.ok((await deleteExpiredCounters(h.db, 900)) >= 1);
    assert.equal(await counter('ip', '192.0.2.250'), undefined);
    const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /^questline_logins_throttled_total\{[^}]*\} [1-9]\d*$/m);
  });

  test('defaults: 10 per username and 100 per IP in 15 minutes', async () => {
    const { parseConfig } = await import('@questline/platform');
    const { ConfigSchema } = await import('../src/config.js');
    const config = parseConfig(ConfigSchema, { DATABASE_URL: 'postgres://x/y', INTERNAL_TOKEN: 'x'.repeat(16), JWT_PRIVATE_JWK: '{}', PROGRESS_URL: 'http://p', CATALOG_URL: 'http://c' });
    assert.equal(config.LOGIN_MAX_FAILURES_PER_USERNAME, 10);
    assert.equal(config.LOGIN_MAX_FAILURES_PER_IP, 100);
    assert.equal(config.LOGIN_FAILURE_WINDOW_SECONDS, 900);
  });
});
