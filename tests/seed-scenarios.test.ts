/**
 * The seed's quest lifecycle, end to end through the gateway, against the four real services
 * and real PostgreSQL databases.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, eventually, startTestStack, type ApiCall, type TestStack } from '@questline/testkit';

let stack: TestStack;
let api: ApiCall;
let adminToken: string;

async function signupAndLogin(username: string, timezone = 'UTC') {
  const signup = await api('POST', '/api/v1/auth/signup', { body: { username, password: 'correct-horse-battery', timezone } });
  assert.equal(signup.status, 201, JSON.stringify(signup.body));
  assert.equal(signup.body.user.status, 'new');
  const login = await api('POST', '/api/v1/auth/login', { body: { username, password: 'correct-horse-battery' } });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  return { id: signup.body.user.id as string, token: login.body.accessToken as string };
}

async function balances(token: string) {
  const me = await api('GET', '/api/v1/me', { token });
  assert.equal(me.status, 200);
  return me.body.user.balances as Record<string, number>;
}

async function questView(token: string, key: string) {
  const res = await api('GET', '/api/v1/me/quests', { token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const item = res.body.items.find((i: { quest: { key: string } }) => i.quest.key === key);
  assert.ok(item, `quest ${key} in /me/quests`);
  return item;
}

/** Logins backdated by the admin batch endpoint: what makes multi-day streaks testable. */
async function backdatedLogins(userId: string, instants: string[], tag: string) {
  const res = await api('POST', '/api/v1/admin/events', {
    token: adminToken,
    body: { events: instants.map((occurredAt, i) => ({ id: `${tag}-${i}`, userId, type: 'login', occurredAt })) },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.accepted, instants.length);
  return res.body;
}

async function eventsIngested(): Promise<number> {
  const text = await (await fetch(`${stack.urls.progress}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('questline_events_ingested_total'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

before(async () => {
  stack = await startTestStack({ name: 'seed' });
  api = apiClient(stack.gateway);
  const login = await api('POST', '/api/v1/auth/login', { body: stack.admin });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  assert.equal(login.body.user.role, 'admin');
  adminToken = login.body.accessToken;
});

after(async () => {
  await stack?.close();
});

describe('seeded catalog', () => {
  test('the two seed quests are published with the exact definitions of the seed', async () => {
    const daily = await api('GET', '/api/v1/quests/daily-login');
    assert.equal(daily.status, 200);
    const q = daily.body.quest;
    assert.equal(q.name, 'Daily Login');
    assert.deepEqual(q.objective, { event: 'login', mode: 'count', target: 1 });
    assert.equal(q.repeat, 'daily');
    assert.equal(q.autoClaim, true);
    assert.equal(q.maxCompletions, 365);
    const reward = await api('GET', `/api/v1/rewards/${q.rewardId}`);
    assert.deepEqual(reward.body.reward.items, [{ currency: 'gold', amount: 10 }]);

    const streak = (await api('GET', '/api/v1/quests/sign-in-three-times')).body.quest;
    assert.deepEqual(streak.objective, { event: 'login', mode: 'streak', target: 3 });
    assert.equal(streak.repeat, 'none');
    assert.equal(streak.autoClaim, false);
    assert.equal(streak.maxCompletions, 2);
    const r2 = await api('GET', `/api/v1/rewards/${streak.rewardId}`);
    assert.deepEqual(r2.body.reward.items, [{ currency: 'diamond', amount: 10 }]);
  });
});

describe('daily-login', () => {
  test('the first login of a day pays 10 gold; a second login the same day pays nothing', async () => {
    const before = await eventsIngested();
    const { token } = await signupAndLogin('daisy');
    const gold = await eventually(async () => ((await balances(token)).gold === 10 ? 10 : undefined), 10_000, '10 gold');
    assert.equal(gold, 10);
    // The login event went through auth's outbox to progress; the second one must too, and pay nothing.
    await eventually(async () => (await eventsIngested()) >= before + 1, 10_000, 'first login event ingested');
    const again = await api('POST', '/api/v1/auth/login', { body: { username: 'daisy', password: 'correct-horse-battery' } });
    assert.equal(again.status, 200);
    assert.equal(again.body.user.status, 'active');
    await eventually(async () => (await eventsIngested()) >= before + 2, 10_000, 'second login event ingested');
    const view = await questView(token, 'daily-login');
    assert.equal(view.status, 'completed');
    assert.equal(view.completions, 1);
    assert.ok(view.periodEndsAt, 'a daily quest has a period end');
    const ledger = await api('GET', '/api/v1/me/ledger', { token });
    assert.equal(ledger.status, 200);
    const gold2 = ledger.body.items.filter((e: { currency: string }) => e.currency === 'gold');
    assert.equal(gold2.length, 1);
    assert.equal(gold2[0].amount, 10);
    assert.equal(gold2[0].source.questKey, 'daily-login');
    assert.equal((await balances(token)).gold, 10);
  });
});

describe('sign-in-three-times', () => {
  // Three instants. In Los Angeles they fall on Nov 10, 11, 12 (three consecutive days);
  // in Tokyo on Nov 11, 11, 13 (a same-day repeat, then a missed day that resets the streak).
  const instants = ['2026-11-10T16:00:00Z', '2026-11-11T14:00:00Z', '2026-11-12T16:00:00Z'];

  test('needs three consecutive days in the user’s own timezone', async () => {
    const la = await signupAndLogin('lana', 'America/Los_Angeles');
    const tokyo = await signupAndLogin('taro', 'Asia/Tokyo');
    await backdatedLogins(la.id, instants, 'la');
    await backdatedLogins(tokyo.id, instants, 'tokyo');

    const laView = await questView(la.token, 'sign-in-three-times');
    assert.equal(laView.status, 'claimable');
    assert.equal(laView.completions, 1);
    assert.equal(laView.claimable, 1);

    const tokyoView = await questView(tokyo.token, 'sign-in-three-times');
    assert.equal(tokyoView.completions, 0);
    assert.equal(tokyoView.status, 'active');
    assert.equal(tokyoView.streak.best, 1, 'Tokyo never had two consecutive days');
  });

  test('the same batch again is all duplicates and changes nothing', async () => {
    const { token, id } = await signupAndLogin('dupe', 'America/Los_Angeles');
    await backdatedLogins(id, instants, 'dupe');
    const again = await api('POST', '/api/v1/admin/events', {
      token: adminToken,
      body: { events: instants.map((occurredAt, i) => ({ id: `dupe-${i}`, userId: id, type: 'login', occurredAt })) },
    });
    assert.equal(again.status, 200);
    assert.equal(again.body.accepted, 0);
    assert.equal(again.body.duplicates, 3);
    assert.equal((await questView(token, 'sign-in-three-times')).completions, 1);
  });

  test('a claim pays 10 diamonds once even when two claims race; after 2 completions it is maxed', async () => {
    const u = await signupAndLogin('racer', 'America/Los_Angeles');
    await backdatedLogins(u.id, instants, 'race1');
    const [a, b] = await Promise.all([
      api('POST', '/api/v1/me/quests/sign-in-three-times/claim', { token: u.token }),
      api('POST', '/api/v1/me/quests/sign-in-three-times/claim', { token: u.token }),
    ]);
    const statuses = [a.status, b.status].sort();
    assert.deepEqual(statuses, [200, 409], JSON.stringify([a.body, b.body]));
    const loser = a.status === 409 ? a : b;
    assert.equal(loser.body.error.code, 'NOTHING_TO_CLAIM');
    const winner = a.status === 200 ? a : b;
    assert.deepEqual(winner.body.rewarded.items, [{ currency: 'diamond', amount: 10 }]);
    await eventually(async () => (await balances(u.token)).diamond === 10, 10_000, '10 diamonds');

    const third = await api('POST', '/api/v1/me/quests/sign-in-three-times/claim', { token: u.token });
    assert.equal(third.status, 409);

    // The streak starts again from zero: three more consecutive LA days complete it a second time.
    await backdatedLogins(u.id, ['2026-11-13T18:00:00Z', '2026-11-14T18:00:00Z', '2026-11-15T18:00:00Z'], 'race2');
    const claimable = await questView(u.token, 'sign-in-three-times');
    assert.equal(claimable.status, 'claimable');
    assert.equal(claimable.completions, 2);
    const claim2 = await api('POST', '/api/v1/me/quests/sign-in-three-times/claim', { token: u.token });
    assert.equal(claim2.status, 200);
    const maxed = await questView(u.token, 'sign-in-three-times');
    assert.equal(maxed.status, 'maxed');
    assert.equal(maxed.maxCompletions, 2);

    // A third streak pays nothing more.
    await backdatedLogins(u.id, ['2026-11-16T18:00:00Z', '2026-11-17T18:00:00Z', '2026-11-18T18:00:00Z'], 'race3');
    assert.equal((await questView(u.token, 'sign-in-three-times')).completions, 2);
    await eventually(async () => (await balances(u.token)).diamond === 20, 10_000, '20 diamonds');
    const ledger = await api('GET', '/api/v1/me/ledger?limit=200', { token: u.token });
    assert.equal(ledger.body.items.filter((e: { currency: string }) => e.currency === 'diamond').length, 2);
  });
});

describe('accounts', () => {
  test('a banned user cannot log in; their token no longer works', async () => {
    const u = await signupAndLogin('mallory');
    const ban = await api('PATCH', `/api/v1/admin/users/${u.id}`, { token: adminToken, body: { status: 'banned' } });
    assert.equal(ban.status, 200, JSON.stringify(ban.body));
    assert.equal(ban.body.user.status, 'banned');
    const login = await api('POST', '/api/v1/auth/login', { body: { username: 'mallory', password: 'correct-horse-battery' } });
    assert.equal(login.status, 403);
    assert.equal(login.body.error.code, 'USER_BANNED');
    const me = await api('GET', '/api/v1/me', { token: u.token });
    assert.equal(me.status, 403);
    assert.equal(me.body.error.code, 'USER_BANNED');
    // Progress learns of the ban from auth's outbox (a profile update pushed within moments of
    // the ban), so it refuses events even with an access token issued before the ban.
    const event = await eventually(async () => {
      // Until the ban arrives a player's login is refused for another reason (login is server-only).
      const res = await api('POST', '/api/v1/events', { token: u.token, body: { type: 'login' } });
      return res.body?.error?.code === 'USER_BANNED' ? res : undefined;
    }, 10_000, 'progress refusing the banned user');
    assert.equal(event.body.error.code, 'USER_BANNED');
  });
});
