/**
 * Timezone-fair periods end to end through the gateway (api.md v1.1 "Timezone changes"): the east
 * move that used to pay daily-login twice within minutes, the move back west, and the player's own
 * once-per-24-hours rule.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, eventually, startTestStack, type ApiCall, type TestStack } from '@questline/testkit';

let stack: TestStack;
let api: ApiCall;
let adminToken: string;

const PASSWORD = 'correct-horse-battery';
const localDay = (at: Date, zone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

/**
 * The wall clock cannot be moved, so the zones are chosen from the real time: a western zone A and
 * an eastern zone B where B is already on the next date while A is still on today's, with A's day
 * lasting the whole test (a quarter of an hour). New York → Tokyo when it is evening in New York;
 * otherwise a pair more than 24 hours apart, whose dates always differ.
 */
function zonePair(now: Date): [string, string] {
  const candidates: Array<[string, string]> = [
    ['America/New_York', 'Asia/Tokyo'],
    ['Pacific/Pago_Pago', 'Pacific/Kiritimati'],
    ['Etc/GMT+12', 'Pacific/Kiritimati'],
  ];
  const later = new Date(now.getTime() + 15 * 60_000);
  const pair = candidates.find(([a, b]) => localDay(now, a) === localDay(later, a) && localDay(now, a) < localDay(now, b) && localDay(later, a) < localDay(later, b));
  assert.ok(pair, `no zone pair for ${now.toISOString()}`);
  return pair;
}

async function eventsIngested(): Promise<number> {
  const text = await (await fetch(`${stack.urls.progress}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('questline_events_ingested_total'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

async function login(username: string): Promise<string> {
  const res = await api('POST', '/api/v1/auth/login', { body: { username, password: PASSWORD } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.accessToken as string;
}

/** Logs in and waits until progress has applied the login event auth sends for it. */
async function loginApplied(username: string): Promise<string> {
  const before = await eventsIngested();
  const token = await login(username);
  await eventually(async () => (await eventsIngested()) > before, 15_000, 'the login event at progress');
  return token;
}

async function quest(token: string, key: string) {
  const res = await api('GET', '/api/v1/me/quests', { token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items.find((i: { quest: { key: string } }) => i.quest.key === key);
}

const gold = async (token: string) => (await api('GET', '/api/v1/me', { token })).body.user.balances.gold as number;

async function moveAsAdmin(userId: string, timezone: string) {
  const res = await api('PATCH', `/api/v1/admin/users/${userId}`, { token: adminToken, body: { timezone } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.user.timezone, timezone);
}

before(async () => {
  stack = await startTestStack({ name: 'tzfair' });
  api = apiClient(stack.gateway);
  const res = await api('POST', '/api/v1/auth/login', { body: stack.admin });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  adminToken = res.body.accessToken;
});

after(async () => {
  await stack?.close();
});

describe('timezone-fair daily-login through the gateway', () => {
  test('moving east after completing daily-login pays nothing more for the overlapping day; moving back west loses nothing', async () => {
    const [west, east] = zonePair(new Date());
    const username = 'tz_traveller';
    const signup = await api('POST', '/api/v1/auth/signup', { body: { username, password: PASSWORD, timezone: west } });
    assert.equal(signup.status, 201, JSON.stringify(signup.body));
    const userId = signup.body.user.id as string;

    // Today's login in the western zone completes daily-login: 10 gold.
    let token = await loginApplied(username);
    await eventually(async () => (await gold(token)) === 10, 15_000, 'the daily-login reward');
    const inWest = await quest(token, 'daily-login');
    assert.equal(inWest.completions, 1);
    assert.equal(inWest.status, 'completed');
    const streakBefore = (await quest(token, 'sign-in-three-times')).streak;
    assert.deepEqual(streakBefore, { current: 1, best: 1, lastDay: localDay(new Date(), west) });

    // An admin moves the player east, where it is already the next date.
    await moveAsAdmin(userId, east);
    const inEast = await eventually(async () => {
      const view = await quest(token, 'daily-login');
      return view.periodEndsAt !== inWest.periodEndsAt ? view : null;
    }, 15_000, 'the new zone at progress');
    assert.equal(inEast.status, 'completed', 'the eastern day overlaps the completed one');

    // Logging in again there, minutes later, completes nothing and pays nothing.
    token = await loginApplied(username);
    assert.equal((await quest(token, 'daily-login')).completions, 1);
    assert.deepEqual((await quest(token, 'sign-in-three-times')).streak, streakBefore, 'no second streak day either');
    assert.equal(await gold(token), 10);

    // Back west: the completion earned stays, and the day it was earned for pays nothing again.
    await moveAsAdmin(userId, west);
    await eventually(async () => (await quest(token, 'daily-login')).periodEndsAt === inWest.periodEndsAt, 15_000, 'the old zone at progress');
    token = await loginApplied(username);
    const back = await quest(token, 'daily-login');
    assert.equal(back.completions, 1);
    assert.equal(back.status, 'completed');
    assert.equal(await gold(token), 10);
    const ledger = await api('GET', '/api/v1/me/ledger', { token });
    assert.deepEqual(
      ledger.body.items.map((e: { amount: number; source: { questKey?: string } }) => [e.source.questKey, e.amount]),
      [['daily-login', 10]],
    );
  });
});

describe("a player's own timezone changes through the gateway", () => {
  test('once per 24 hours: the second change is 409 TIMEZONE_CHANGE_TOO_SOON with retryAt and Retry-After; the same zone is a no-op', async () => {
    const signup = await api('POST', '/api/v1/auth/signup', { body: { username: 'tz_own', password: PASSWORD } });
    assert.equal(signup.status, 201);
    const token = await login('tz_own');
    const first = await api('PATCH', '/api/v1/me', { token, body: { timezone: 'Asia/Tokyo' } });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const same = await api('PATCH', '/api/v1/me', { token, body: { timezone: 'Asia/Tokyo' } });
    assert.equal(same.status, 200);
    const second = await api('PATCH', '/api/v1/me', { token, body: { timezone: 'Europe/Paris' } });
    assert.equal(second.status, 409, JSON.stringify(second.body));
    assert.equal(second.body.error.code, 'TIMEZONE_CHANGE_TOO_SOON');
    assert.ok(second.body.error.requestId);
    const retryAt = Date.parse(second.body.error.retryAt);
    assert.ok(retryAt > Date.now() + 23.9 * 3600_000 && retryAt <= Date.now() + 24 * 3600_000, second.body.error.retryAt);
    const retryAfter = Number(second.headers.get('retry-after'));
    assert.ok(retryAfter > 23.9 * 3600 && retryAfter <= 24 * 3600, `Retry-After ${second.headers.get('retry-after')}`);
    assert.equal((await api('GET', '/api/v1/me', { token })).body.user.timezone, 'Asia/Tokyo');
  });
});
