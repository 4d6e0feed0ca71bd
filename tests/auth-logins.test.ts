/**
 * Auth's promises, end to end through the gateway with the four real services: logins made while
 * progress is down are all delivered once it is back, each exactly once; a ban reaches progress
 * within seconds, even for an access token issued before the ban; and the login throttle stops an
 * attacker's address without locking the account's owner out (clients on distinct loopback
 * addresses, which the gateway passes on to auth as the client address).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { apiClient, eventually, playerAccounts, startTestStack, type ApiCall, type TestStack } from '@questline/testkit';
import { declarePlayerReportable, postOnceDeclared } from './event-types-support.js';

const PASSWORD = 'correct-horse-battery';
const USERS = 4;
const LOGINS_EACH = 3;

let stack: TestStack;
let api: ApiCall;
let adminToken: string;

/** Events progress accepted since its process started (duplicates excluded). */
async function eventsIngested(): Promise<number> {
  const text = await (await fetch(`${stack.urls.progress}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('questline_events_ingested_total'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

const signup = (username: string) => playerAccounts(api, PASSWORD).signup(username);
const login = (username: string) => playerAccounts(api, PASSWORD).login(username);

async function dailyLogin(userId: string) {
  const res = await api('GET', `/api/v1/admin/users/${userId}/quests`, { token: adminToken });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items.find((i: { quest: { key: string } }) => i.quest.key === 'daily-login') as { completions: number };
}

const gold = async (token: string) => (await api('GET', '/api/v1/me', { token })).body.user.balances.gold as number;

/** Small limits for the throttle tests (README of auth, "Login throttling"). */
const THROTTLE = {
  LOGIN_MAX_FAILURES_PER_USERNAME_AND_IP: '3',
  LOGIN_USERNAME_FAILURES_BEFORE_DELAY: '5',
  LOGIN_USERNAME_MAX_DELAY_SECONDS: '4',
};

/** A login sent from the given local address (any of 127.0.0.0/8 is this machine), on its own connection. */
function loginFrom(address: string, username: string, password: string): Promise<{ status: number; retryAfter: number | undefined; body: { error?: { code: string } } }> {
  const body = JSON.stringify({ username, password });
  const url = new URL('/api/v1/auth/login', stack.gateway);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', localAddress: address, agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter: retryAfter === undefined ? undefined : Number(retryAfter), body: JSON.parse(text) });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

before(async () => {
  stack = await startTestStack({ name: 'authlogins', extraEnv: { auth: THROTTLE } });
  api = apiClient(stack.gateway);
  const res = await api('POST', '/api/v1/auth/login', { body: stack.admin });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  adminToken = res.body.accessToken;
  // The admin's own login event must be in before the outage, so that the count below is exact.
  await eventually(async () => (await eventsIngested()) >= 1, 15_000, "the admin's login event");
});

after(async () => {
  await stack?.close();
});

describe('logins while progress is down', () => {
  test('every login event arrives exactly once after progress comes back', async () => {
    const users = await Promise.all(Array.from({ length: USERS }, async (_, i) => ({ name: `outage_${i}`, id: await signup(`outage_${i}`) })));
    assert.equal(await stack.services.progress.stop(), 0);

    const tokens = new Map<string, string>();
    for (let round = 0; round < LOGINS_EACH; round++) {
      for (const u of users) tokens.set(u.id, await login(u.name));
    }

    await stack.restart('progress');
    // A fresh progress process: its counter holds exactly what the outbox delivered to it.
    await eventually(async () => (await eventsIngested()) >= USERS * LOGINS_EACH, 60_000, 'the queued login events');
    for (const u of users) {
      const token = tokens.get(u.id)!;
      await eventually(async () => (await gold(token)) === 10, 30_000, `${u.name}'s daily reward`);
      assert.equal((await dailyLogin(u.id)).completions, 1);
    }
    // Let any redelivery happen; nothing may be counted or paid twice.
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await eventsIngested(), USERS * LOGINS_EACH);
    for (const u of users) {
      assert.equal(await gold(tokens.get(u.id)!), 10, `${u.name} is paid once, never 20`);
      assert.equal((await dailyLogin(u.id)).completions, 1);
    }
  });
});

describe('bans reach progress', () => {
  test("a banned user's still-valid access token is refused by progress within seconds", async () => {
    await signup('soon_banned');
    const token = await login('soon_banned');
    await declarePlayerReportable(api, adminToken, ['custom-action']);
    const before = await postOnceDeclared(api, token, { type: 'custom-action' });
    assert.equal(before.status, 200, JSON.stringify(before.body));

    const userId = (await api('GET', '/api/v1/me', { token })).body.user.id as string;
    const ban = await api('PATCH', `/api/v1/admin/users/${userId}`, { token: adminToken, body: { status: 'banned' } });
    assert.equal(ban.status, 200, JSON.stringify(ban.body));
    const refused = await eventually(async () => {
      const res = await api('POST', '/api/v1/events', { token, body: { type: 'custom-action' } });
      return res.status === 403 ? res : undefined;
    }, 5_000, 'progress refusing the banned user');
    assert.equal(refused.body.error.code, 'USER_BANNED');
  });
});

describe('login throttle', () => {
  test("an attacker's address is throttled while the owner logs in from another address at once", async () => {
    await signup('throttle_owner');
    const codes = [];
    for (let i = 0; i < 12; i++) codes.push((await loginFrom('127.0.0.2', 'throttle_owner', `wrong-guess-${i}`)).status);
    assert.deepEqual(codes, [401, 401, 401, ...Array(9).fill(429)]);
    const throttled = await loginFrom('127.0.0.2', 'throttle_owner', PASSWORD);
    assert.equal(throttled.status, 429);
    assert.equal(throttled.body.error?.code, 'RATE_LIMITED');
    assert.ok(throttled.retryAfter! > 0 && throttled.retryAfter! <= 900, String(throttled.retryAfter));

    assert.equal((await loginFrom('127.0.0.3', 'throttle_owner', PASSWORD)).status, 200);
  });

  test('a successful login resets its (username, address) counter', async () => {
    await signup('throttle_typo');
    // Four failures from one address with a limit of 3, none refused: the success in between reset it.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2; i++) assert.equal((await loginFrom('127.0.0.4', 'throttle_typo', 'a-typo-password')).status, 401);
      assert.equal((await loginFrom('127.0.0.4', 'throttle_typo', PASSWORD)).status, 200);
    }
  });

  test('a distributed attack (a new address per guess) is slowed, not locked: after Retry-After the owner gets in', async () => {
    await signup('throttle_target');
    // The allowance (5) is tested in full; then attempts are spaced out by 1, 2, 4, 4 … seconds.
    let address = 10;
    for (let i = 0; i < 5; i++) assert.equal((await loginFrom(`127.0.0.${address++}`, 'throttle_target', `spread-${i}`)).status, 401);
    let slowed;
    for (let i = 0; i < 10 && !slowed; i++) {
      const res = await loginFrom(`127.0.0.${address++}`, 'throttle_target', `spread-more-${i}`);
      if (res.status === 429) slowed = res;
      else assert.equal(res.status, 401);
    }
    assert.ok(slowed, 'the username was never slowed');
    assert.equal(slowed.body.error?.code, 'RATE_LIMITED');
    assert.ok(slowed.retryAfter! >= 1 && slowed.retryAfter! <= 4, `Retry-After ${slowed.retryAfter}, at most the maximum delay`);

    await new Promise((r) => setTimeout(r, slowed.retryAfter! * 1000));
    assert.equal((await loginFrom(`127.0.0.${address}`, 'throttle_target', PASSWORD)).status, 200);
  });

  test('a password that is not well-formed Unicode is 400 on password, at signup and at login', async () => {
    for (const path of ['/api/v1/auth/signup', '/api/v1/auth/login']) {
      const res = await api('POST', path, { body: { username: 'throttle_owner', password: 'correct-horse-\ud800' } });
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'VALIDATION_FAILED');
      assert.equal(res.body.error.field, 'password');
    }
  });
});
