import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { parseConfig, type App } from '@questline/platform';
import { buildApp } from '../src/app.js';
import { ConfigSchema } from '../src/config.js';
import { deleteExpiredCounters } from '../src/db/login-failures.repository.js';
import type { ThrottleScope } from '../src/db/schema.js';
import { judge, throttleAddress, throttleKeys, usernameDelaySeconds, type CounterState, type ThrottleLimits } from '../src/domain/login-throttle.js';
import { signup, startAuth, type Harness } from './support.js';

const LIMITS = {
  LOGIN_MAX_FAILURES_PER_USERNAME_AND_IP: '3',
  LOGIN_MAX_FAILURES_PER_IP: '6',
  LOGIN_USERNAME_FAILURES_BEFORE_DELAY: '5',
  LOGIN_USERNAME_MAX_DELAY_SECONDS: '30',
  LOGIN_FAILURE_WINDOW_SECONDS: '900',
};

let h: Harness;
before(async () => {
  h = await startAuth(LIMITS);
});
after(async () => {
  await h?.close();
});

/** Each test uses its own client addresses (the gateway passes the client's in x-forwarded-for). */
const attempt = (username: string, password: string, ip: string, app: App = h.app) =>
  app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, headers: { 'x-forwarded-for': ip } });

const counter = (scope: ThrottleScope, key: string) =>
  h.db.selectFrom('login_failures').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();

/** As if the username's last attempt were long ago (its window unchanged): its delay has passed. */
const delayPasses = (username: string) =>
  h.db
    .updateTable('login_failures')
    .set({ last_attempt_at: sql<Date>`last_attempt_at - interval '1 hour'` })
    .where('scope', '=', 'username')
    .where('key', '=', username)
    .execute();

const retryAfterOf = (res: Awaited<ReturnType<typeof attempt>>) => {
  assert.equal(res.statusCode, 429, res.body);
  assert.equal(res.json().error.code, 'RATE_LIMITED');
  const seconds = Number(res.headers['retry-after']);
  assert.ok(Number.isInteger(seconds) && seconds >= 1, String(res.headers['retry-after']));
  return seconds;
};

describe('one attacker address hammering one account', () => {
  test('throttles that address for the window, while the owner logs in from another address at once', async () => {
    await signup(h.app, 'victim', 'correct-password-1');
    for (let i = 0; i < 3; i++) assert.equal((await attempt('victim', `guess-${i}-wrong`, '198.51.100.1')).statusCode, 401);
    for (let i = 0; i < 10; i++) {
      const retryAfter = retryAfterOf(await attempt('victim', `more-guesses-${i}`, '198.51.100.1'));
      assert.ok(retryAfter > 800 && retryAfter <= 900, String(retryAfter));
    }
    // Even the right password is refused from there: a refused attempt tests nothing.
    retryAfterOf(await attempt('VICTIM', 'correct-password-1', '198.51.100.1'));

    assert.equal((await attempt('Victim', 'correct-password-1', '198.51.100.2')).statusCode, 200);
    // The refused attempts were not counted: the username is far from its allowance.
    assert.equal((await counter('username_ip', '198.51.100.1|victim'))!.failures, 3);
    assert.equal((await counter('username', 'victim'))!.failures, 3);
  });

  test('parallel guesses from one address cannot slip past the pair limit', async () => {
    await signup(h.app, 'burst_target', 'correct-password-4');
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => attempt('burst_target', `parallel-guess-${i}`, '198.51.100.50')));
    const codes = results.map((r) => r.statusCode);
    assert.equal(codes.filter((c) => c === 401).length, 3, String(codes));
    assert.equal(codes.filter((c) => c === 429).length, 9, String(codes));
    assert.equal((await attempt('burst_target', 'correct-password-4', '198.51.100.51')).statusCode, 200);
  });

  test('parallel right and wrong passwords from one address, with sweeps, all get an answer (no deadlock, no 500)', async () => {
    await signup(h.app, 'busy_owner', 'correct-password-9');
    // A replica with limits nobody reaches here, so that every attempt gets to its password check.
    const roomy = await buildApp({ ...h.config, LOGIN_MAX_FAILURES_PER_USERNAME_AND_IP: 1000, LOGIN_MAX_FAILURES_PER_IP: 1000, LOGIN_USERNAME_FAILURES_BEFORE_DELAY: 1000 });
    try {
      await h.db.insertInto('login_failures').values({ scope: 'ip', key: '198.51.100.70', failures: 1, window_start: sql<Date>`now() - interval '2 hours'` }).execute();
      const [codes] = await Promise.all([
        Promise.all(Array.from({ length: 10 }, async (_, i) => (await attempt('busy_owner', i % 2 ? 'correct-password-9' : `wrong-${i}`, '198.51.100.70', roomy)).statusCode)),
        Promise.all(Array.from({ length: 3 }, () => deleteExpiredCounters(h.db, 900))),
      ]);
      assert.deepEqual([...codes].sort(), [...Array(5).fill(200), ...Array(5).fill(401)], String(codes));
    } finally {
      await roomy.close();
    }
  });

  test('unknown usernames are throttled exactly like real ones (nothing tells them apart)', async () => {
    await signup(h.app, 'real_name', 'correct-password-7');
    for (const name of ['real_name', 'nobody_at_all']) {
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await attempt(name, 'wrong-password', '198.51.100.60')).statusCode);
      assert.deepEqual(codes, [401, 401, 401, 429], name);
    }
  });
});

describe('a successful login', () => {
  test("resets its (username, address) counter, but not the username's or the address's failures", async () => {
    await signup(h.app, 'forgetful', 'correct-password-3');
    // Each attempt after the username's delay, which 5 failures start: only the pair limit is in play.
    const afterDelay = async (password: string) => {
      await delayPasses('forgetful');
      return (await attempt('forgetful', password, '198.51.100.20')).statusCode;
    };
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2; i++) assert.equal(await afterDelay('wrong-password'), 401);
      assert.equal(await afterDelay('correct-password-3'), 200);
      assert.equal((await counter('username_ip', '198.51.100.20|forgetful'))?.failures ?? 0, 0, 'the pair starts afresh');
    }
    // Four failures from one pair in one window (the limit is 3), never throttled: each success
    // started the pair afresh. The address's limit (6) still counts them all.
    assert.equal((await counter('username', 'forgetful'))!.failures, 4);
    assert.equal((await counter('ip', '198.51.100.20'))!.failures, 4);
    assert.equal(await afterDelay('wrong-password'), 401);
    assert.equal(await afterDelay('wrong-password'), 401);
    assert.equal(await afterDelay('correct-password-3'), 429);
  });

  test('is not counted: many successes from one address never throttle it', async () => {
    await signup(h.app, 'regular', 'correct-password-8');
    for (let i = 0; i < 8; i++) assert.equal((await attempt('regular', 'correct-password-8', '198.51.100.30')).statusCode, 200);
    assert.equal((await counter('ip', '198.51.100.30'))!.failures, 0);
    assert.equal((await counter('username', 'regular'))!.failures, 0);
  });
});

describe('a distributed attack on one username (a fresh address per guess)', () => {
  test('is slowed by a doubling delay, capped far below a window, and the owner still gets in', async () => {
    await signup(h.app, 'popular', 'correct-password-5');
    const address = (i: number) => `192.0.2.${100 + i}`;
    // The allowance (5) and four more, each after its delay: every guess is tested.
    for (let i = 0; i < 9; i++) {
      assert.equal((await attempt('popular', `distributed-${i}`, address(i))).statusCode, 401, `guess ${i}`);
      await delayPasses('popular');
    }
    await h.db.updateTable('login_failures').set({ last_attempt_at: sql<Date>`now()` }).where('key', '=', 'popular').execute();
    // 9 failures: the next attempt waits 2^(9-5) = 16 s, from any address, right password or not.
    assert.ok(retryAfterOf(await attempt('popular', 'distributed-next', address(20))) <= 16);
    assert.ok(retryAfterOf(await attempt('popular', 'correct-password-5', address(21))) <= 16);
    assert.equal((await counter('username', 'popular'))!.failures, 9);

    await delayPasses('popular');
    assert.equal((await attempt('popular', 'correct-password-5', address(22))).statusCode, 200);

    // However many failures pile up, the wait stays at the maximum (30 s), never the window.
    await h.db.updateTable('login_failures').set({ failures: 40, last_attempt_at: sql<Date>`now()` }).where('scope', '=', 'username').where('key', '=', 'popular').execute();
    const retryAfter = retryAfterOf(await attempt('popular', 'correct-password-5', address(23)));
    assert.ok(retryAfter <= 30, String(retryAfter));
    await delayPasses('popular');
    assert.equal((await attempt('popular', 'correct-password-5', address(24))).statusCode, 200);
  });

  test('refused attempts neither count nor move the delay: polling during it cannot keep the owner out', async () => {
    await signup(h.app, 'polled', 'correct-password-9');
    for (let i = 0; i < 6; i++) {
      assert.equal((await attempt('polled', `poll-guess-${i}`, `192.0.2.${180 + i}`)).statusCode, 401);
      await delayPasses('polled');
    }
    // One more counted failure: the delay (2 s past 6 failures) now runs from it.
    assert.equal((await attempt('polled', 'poll-guess-last', '192.0.2.190')).statusCode, 401);
    const anchored = (await counter('username', 'polled'))!;
    for (let i = 0; i < 5; i++) retryAfterOf(await attempt('polled', `poll-during-delay-${i}`, '192.0.2.191'));
    const after = (await counter('username', 'polled'))!;
    assert.equal(after.failures, anchored.failures, 'refused attempts are not counted');
    assert.equal(after.last_attempt_at.getTime(), anchored.last_attempt_at.getTime(), 'nor do they restart the delay');
    assert.equal((await counter('ip', '192.0.2.191'))?.failures ?? 0, 0);
  });

  test('the delay also ends with the window, which restarts the allowance', async () => {
    await signup(h.app, 'window_user', 'correct-password-2');
    await h.db
      .insertInto('login_failures')
      .values({ scope: 'username', key: 'window_user', failures: 50, window_start: sql<Date>`now() - interval '890 seconds'`, last_attempt_at: sql<Date>`now()` })
      .execute();
    assert.ok(retryAfterOf(await attempt('window_user', 'correct-password-2', '192.0.2.50')) <= 10);
    await h.db.updateTable('login_failures').set({ window_start: sql<Date>`now() - interval '901 seconds'` }).where('key', '=', 'window_user').execute();
    assert.equal((await attempt('window_user', 'correct-password-2', '192.0.2.50')).statusCode, 200);
  });
});

describe('one address spraying many usernames', () => {
  test('6 failures block every username from it, not from elsewhere', async () => {
    await signup(h.app, 'bystander', 'correct-password-5');
    for (let i = 0; i < 6; i++) assert.equal((await attempt(`spray_${i}`, 'password-guess', '203.0.113.66')).statusCode, 401);
    const retryAfter = retryAfterOf(await attempt('bystander', 'correct-password-5', '203.0.113.66'));
    assert.ok(retryAfter > 800 && retryAfter <= 900, String(retryAfter));
    assert.equal((await attempt('bystander', 'correct-password-5', '203.0.113.67')).statusCode, 200);
    // A success elsewhere does not clear the address's failures.
    assert.equal((await counter('ip', '203.0.113.66'))!.failures, 6);
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

  test('the longest username with the longest address fits the counter key (no 500)', async () => {
    const res = await attempt('\u0130'.repeat(64), 'wrong-password', 'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255');
    assert.equal(res.statusCode, 401, res.body);
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
      await attempt('two_replicas', 'wrong-password', '192.0.2.1', replica);
      retryAfterOf(await attempt('two_replicas', 'correct-password-6', '192.0.2.1', replica));
      retryAfterOf(await attempt('two_replicas', 'correct-password-6', '192.0.2.1'));
      assert.equal((await attempt('two_replicas', 'correct-password-6', '192.0.2.2', replica)).statusCode, 200);
    } finally {
      await replica.close();
    }
  });
});

describe('decisions', () => {
  const limits: ThrottleLimits = { perUsernameAndIp: 3, perIp: 5, usernameFreeFailures: 4, usernameMaxDelaySeconds: 10, windowSeconds: 900 };
  const c = (scope: ThrottleScope, failures: number, retry_after = 100, since_last_attempt = 0): CounterState => ({
    scope,
    key: 'k',
    failures,
    retry_after,
    since_last_attempt,
  });

  test('keys: one per scope in the order rows are locked, the pair keyed by address then lower-cased name', () => {
    assert.deepEqual(throttleKeys('Alice', '203.0.113.9'), [
      { scope: 'username', key: 'alice' },
      { scope: 'ip', key: '203.0.113.9' },
      { scope: 'username_ip', key: '203.0.113.9|alice' },
    ]);
  });

  test('the pair and the address refuse until their window ends, with the longest wait', () => {
    assert.deepEqual(judge([c('ip', 4), c('username', 0), c('username_ip', 2)], limits), { allowed: true });
    assert.deepEqual(judge([c('ip', 1, 800), c('username', 0), c('username_ip', 3, 100)], limits), { allowed: false, retryAfterSeconds: 100 });
    assert.deepEqual(judge([c('ip', 5, 800), c('username', 0), c('username_ip', 3, 100)], limits), { allowed: false, retryAfterSeconds: 800 });
  });

  test('the username only delays: 1 s, doubling, capped; measured from its last attempt', () => {
    assert.deepEqual([3, 4, 5, 6, 7, 8, 40, 10_000].map((n) => usernameDelaySeconds(n, limits)), [0, 1, 2, 4, 8, 10, 10, 10]);
    assert.deepEqual(judge([c('username', 3, 900, 0)], limits), { allowed: true });
    assert.deepEqual(judge([c('username', 3, 900, -0.5)], limits), { allowed: true });
    assert.deepEqual(judge([c('username', 7, 900, 2.5)], limits), { allowed: false, retryAfterSeconds: 6 });
    assert.deepEqual(judge([c('username', 7, 900, 8)], limits), { allowed: true });
    // The window ends first: the count restarts then.
    assert.deepEqual(judge([c('username', 100, 3, 0)], limits), { allowed: false, retryAfterSeconds: 3 });
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

  test('defaults: 10 per username and address, 100 per address, 30 per username before 1 s … 60 s delays, in 15 minutes', () => {
    const config = parseConfig(ConfigSchema, { DATABASE_URL: 'postgres://x/y', INTERNAL_TOKEN: 'x'.repeat(16), JWT_PRIVATE_JWK: '{}', PROGRESS_URL: 'http://p', CATALOG_URL: 'http://c' });
    assert.equal(config.LOGIN_MAX_FAILURES_PER_USERNAME_AND_IP, 10);
    assert.equal(config.LOGIN_MAX_FAILURES_PER_IP, 100);
    assert.equal(config.LOGIN_USERNAME_FAILURES_BEFORE_DELAY, 30);
    assert.equal(config.LOGIN_USERNAME_MAX_DELAY_SECONDS, 60);
    assert.equal(config.LOGIN_FAILURE_WINDOW_SECONDS, 900);
  });
});
