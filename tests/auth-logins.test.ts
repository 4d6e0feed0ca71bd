/**
 * Auth's promises to progress, end to end through the gateway with the four real services:
 * logins made while progress is down are all delivered once it is back, each exactly once; and a
 * ban reaches progress within seconds, even for an access token issued before the ban.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, eventually, playerAccounts, startTestStack, type ApiCall, type TestStack } from '@questline/testkit';

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

before(async () => {
  stack = await startTestStack({ name: 'authlogins' });
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
    const before = await api('POST', '/api/v1/events', { token, body: { type: 'custom-action' } });
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
