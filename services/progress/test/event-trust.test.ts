import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { EventTypeRule, InternalUser } from '@questline/contracts';
import { localDay } from '../src/domain/calendar.js';
import { startHarness, type Harness } from './support/harness.js';
import { dailyLogin, quest } from './support/quests.js';

const matches = quest({ key: 'win-matches', objective: { event: 'match.won', mode: 'count', target: 1000 } });
const score = quest({ key: 'score-points', objective: { event: 'score', mode: 'sum', target: 1_000_000 } });
const crafted = quest({ key: 'craft-items', objective: { event: 'item.crafted', mode: 'count', target: 1000 } });

const EVENT_TYPES: EventTypeRule[] = [
  { type: 'match.won', playerReportable: true, maxValue: null, playerDailyLimit: 10 },
  { type: 'score', playerReportable: true, maxValue: 100, playerDailyLimit: null },
  // Declared, but server-only; and a catalog that (wrongly) sent login as reportable is not believed.
  { type: 'item.crafted', playerReportable: false, maxValue: null, playerDailyLimit: null },
  { type: 'login', playerReportable: true, maxValue: null, playerDailyLimit: null },
];

const EVENTS_KEY = `qlk_Ev3ntKey_${'e'.repeat(43)}`;
const USERS_KEY = `qlk_UsersKey_${'u'.repeat(43)}`;

describe('who may report what (POST /api/v1/events)', () => {
  let h: Harness;
  let admin: InternalUser;
  const bearer = async (user: InternalUser) => ({ authorization: `Bearer ${await h.auth.token(user)}` });
  const post = async (user: InternalUser, payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url: '/api/v1/events', headers: { ...(await bearer(user)), ...headers }, payload });
  const postWithKey = (secret: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${secret}`, ...headers }, payload });
  const storedEvents = async (userId: string) => (await h.sql<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE user_id = $1', [userId]))[0]!.n;
  const expectError = (res: Awaited<ReturnType<typeof post>>, status: number, code: string, field?: string) => {
    assert.equal(res.statusCode, status, res.body);
    assert.equal(res.json().error.code, code);
    if (field !== undefined) assert.equal(res.json().error.field, field);
  };

  before(async () => {
    h = await startHarness('progress_trust', [dailyLogin, matches, score, crafted], {}, { eventTypes: EVENT_TYPES });
    admin = h.auth.addUser({ role: 'admin' });
    h.auth.apiKeys.set(EVENTS_KEY, { id: randomUUID(), name: 'backend', prefix: 'Ev3ntKey', scopes: ['events:write'] });
    h.auth.apiKeys.set(USERS_KEY, { id: randomUUID(), name: 'users', prefix: 'UsersKey', scopes: ['users:read', 'users:write'] });
  });
  after(async () => {
    await h.close();
  });

  describe('players', () => {
    test('the farm attempt: a player posting login is 403 EVENT_NOT_PLAYER_REPORTABLE, and nothing is stored', async () => {
      const player = h.auth.addUser();
      expectError(await post(player, { type: 'login' }), 403, 'EVENT_NOT_PLAYER_REPORTABLE');
      assert.equal(await storedEvents(player.id), 0);
      assert.deepEqual(await h.sql('SELECT * FROM user_quests WHERE user_id = $1', [player.id]), []);
      assert.equal(h.auth.grantCalls.length, 0);
    });

    test('/me/quests says which objectives the player may report (the web app shows Record buttons for those only)', async () => {
      const player = h.auth.addUser();
      const res = await h.app.inject({ method: 'GET', url: '/api/v1/me/quests', headers: await bearer(player) });
      const reportable = Object.fromEntries((res.json().items as Array<{ quest: { key: string }; reportable: boolean }>).map((i) => [i.quest.key, i.reportable]));
      assert.deepEqual(reportable, { 'daily-login': false, 'win-matches': true, 'score-points': true, 'craft-items': false });
    });

    test('an undeclared type, and a declared server-only one, are 403 for players', async () => {
      const player = h.auth.addUser();
      expectError(await post(player, { type: 'gold.found' }), 403, 'EVENT_NOT_PLAYER_REPORTABLE');
      expectError(await post(player, { type: 'item.crafted' }), 403, 'EVENT_NOT_PLAYER_REPORTABLE');
      assert.equal(await storedEvents(player.id), 0);
    });

    test('value over maxValue is 400 naming value; maxValue itself is fine', async () => {
      const player = h.auth.addUser();
      expectError(await post(player, { type: 'score', value: 101 }), 400, 'VALIDATION_FAILED', 'value');
      assert.equal(await storedEvents(player.id), 0);
      const ok = await post(player, { type: 'score', value: 100 });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.deepEqual(ok.json().updates, [{ questKey: 'score-points', status: 'active', progress: 100, target: 1_000_000 }]);
    });

    test('a player may not name a user or a timezone (400 naming the field)', async () => {
      const player = h.auth.addUser();
      expectError(await post(player, { type: 'score', userId: player.id }), 400, 'VALIDATION_FAILED', 'userId');
      expectError(await post(player, { type: 'score', externalUserId: 'someone' }), 400, 'VALIDATION_FAILED', 'externalUserId');
      expectError(await post(player, { type: 'score', timezone: 'Asia/Tokyo' }), 400, 'VALIDATION_FAILED', 'timezone');
      assert.equal(await storedEvents(player.id), 0);
    });

    test('the 11th event of a type limited to 10 a day is 429 with Retry-After until local midnight; a duplicate of an accepted one still answers duplicate', async () => {
      const player = h.auth.addUser({ timezone: 'Pacific/Kiritimati' });
      for (let i = 1; i <= 10; i++) {
        const res = await post(player, { id: `win-${i}`, type: 'match.won' });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().updates[0].progress, i);
      }
      const eleventh = await post(player, { id: 'win-11', type: 'match.won' });
      expectError(eleventh, 429, 'RATE_LIMITED');
      const retryAfter = Number(eleventh.headers['retry-after']);
      assert.ok(retryAfter >= 1 && retryAfter <= 25 * 3600, `Retry-After ${retryAfter}`);
      assert.equal(await storedEvents(player.id), 10);
      const again = await post(player, { id: 'win-3', type: 'match.won' });
      assert.equal(again.statusCode, 200, again.body);
      assert.equal(again.json().duplicate, true);
      // Counted on the player's own day, not UTC's.
      const rows = await h.sql<{ day: string; count: number }>('SELECT day, count FROM player_daily_counts WHERE user_id = $1', [player.id]);
      assert.deepEqual(rows, [{ day: localDay(new Date(), 'Pacific/Kiritimati'), count: 10 }]);
      // Servers are not limited by it, and do not use it up.
      assert.equal((await h.serverEvent(player.id, { id: 'server-win', type: 'match.won' })).statusCode, 200);
      assert.equal(await storedEvents(player.id), 11);
    });

    test('racing players: 25 parallel events against a limit of 10 store exactly 10', async () => {
      const player = h.auth.addUser();
      const results = await Promise.all(Array.from({ length: 25 }, (_, i) => post(player, { id: `race-${i}`, type: 'match.won' })));
      const statuses = results.map((r) => r.statusCode);
      assert.equal(statuses.filter((s) => s === 200).length, 10, statuses.join(','));
      assert.equal(statuses.filter((s) => s === 429).length, 15);
      assert.equal(await storedEvents(player.id), 10);
      const progress = await h.sql<{ progress: string }>("SELECT progress FROM user_quests WHERE user_id = $1 AND quest_key = 'win-matches'", [player.id]);
      assert.equal(Number(progress[0]!.progress), 10);
    });

    test("the limit belongs to the player's local day: yesterday's full count does not block today, today's does", async () => {
      const player = h.auth.addUser({ timezone: 'America/New_York' });
      const today = localDay(new Date(), 'America/New_York');
      const yesterday = localDay(new Date(Date.now() - 24 * 3600_000), 'America/New_York');
      await h.sql("INSERT INTO player_daily_counts (user_id, type, day, count) VALUES ($1, 'match.won', $2, 10)", [player.id, yesterday]);
      assert.equal((await post(player, { type: 'match.won' })).statusCode, 200);
      await h.sql("UPDATE player_daily_counts SET count = 10 WHERE user_id = $1 AND day = $2", [player.id, today]);
      expectError(await post(player, { type: 'match.won' }), 429, 'RATE_LIMITED');
    });
  });

  describe('servers', () => {
    test('an admin token naming userId may send login (it completes daily-login for that user)', async () => {
      const player = h.auth.addUser();
      const res = await post(admin, { type: 'login', userId: player.id });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().completed, ['daily-login']);
      assert.deepEqual(Object.keys(res.json()).sort(), ['completed', 'duplicate', 'eventId', 'rewarded', 'updates']);
      assert.equal(await storedEvents(player.id), 1);
      assert.equal(await storedEvents(admin.id), 0);
    });

    test('an admin token naming nobody records for the admin (v1), any type', async () => {
      const self = h.auth.addUser({ role: 'admin' });
      const res = await post(self, { type: 'item.crafted' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(await storedEvents(self.id), 1);
    });

    test('externalUserId: an unknown one is created by auth with the given timezone; the same id again is the same user', async () => {
      const calls = h.auth.resolveCalls.length;
      const first = await post(admin, { type: 'match.won', externalUserId: 'shop:42', timezone: 'Asia/Tokyo' });
      assert.equal(first.statusCode, 200, first.body);
      assert.deepEqual(h.auth.resolveCalls.slice(calls), [{ users: [{ externalId: 'shop:42', timezone: 'Asia/Tokyo' }] }]);
      const userId = h.auth.externalIds.get('shop:42')!;
      assert.equal((await h.sql<{ timezone: string }>('SELECT timezone FROM user_profiles WHERE id = $1', [userId]))[0]!.timezone, 'Asia/Tokyo');
      assert.equal((await post(admin, { type: 'match.won', externalUserId: 'shop:42' })).json().updates[0].progress, 2);
      assert.equal(await storedEvents(userId), 2);
    });

    test('both userId and externalUserId, an unknown userId, a banned user: precise errors, nothing stored', async () => {
      const player = h.auth.addUser();
      expectError(await post(admin, { type: 'login', userId: player.id, externalUserId: 'x' }), 400, 'VALIDATION_FAILED', 'externalUserId');
      expectError(await post(admin, { type: 'login', userId: randomUUID() }), 404, 'UNKNOWN_USER');
      const banned = h.auth.addUser({ status: 'banned' });
      expectError(await post(admin, { type: 'login', userId: banned.id }), 403, 'USER_BANNED');
      expectError(await post(admin, { type: 'login', externalUserId: 'bad id!' }), 400, 'VALIDATION_FAILED', 'externalUserId');
      expectError(await post(admin, { type: 'login', externalUserId: 'x'.repeat(129) }), 400, 'VALIDATION_FAILED', 'externalUserId');
      // timezone is only the timezone of a user created for an externalUserId: with a userId it would be silently ignored.
      expectError(await post(admin, { type: 'login', userId: player.id, timezone: 'Asia/Tokyo' }), 400, 'VALIDATION_FAILED', 'timezone');
      assert.equal(await storedEvents(player.id), 0);
      assert.equal(await storedEvents(banned.id), 0);
    });

    test('an API key with events:write names the user (neither → 400); without the scope 403; unknown 401', async () => {
      const player = h.auth.addUser();
      const ok = await postWithKey(EVENTS_KEY, { type: 'login', userId: player.id });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.deepEqual(ok.json().completed, ['daily-login']);
      expectError(await postWithKey(EVENTS_KEY, { type: 'login' }), 400, 'VALIDATION_FAILED', 'userId');
      const scopeless = await postWithKey(USERS_KEY, { type: 'login', userId: player.id });
      expectError(scopeless, 403, 'FORBIDDEN');
      assert.match(scopeless.json().error.message, /events:write/);
      expectError(await postWithKey(`qlk_Unknown1_${'z'.repeat(43)}`, { type: 'login', userId: player.id }), 401, 'UNAUTHENTICATED');
      assert.equal(await storedEvents(player.id), 1);
    });

    test('Idempotency-Key is the event id: again → duplicate; the same in both is fine; different → 400', async () => {
      const player = h.auth.addUser();
      const first = await postWithKey(EVENTS_KEY, { type: 'match.won', userId: player.id }, { 'idempotency-key': 'order-1' });
      assert.equal(first.statusCode, 200, first.body);
      assert.deepEqual([first.json().eventId, first.json().duplicate], ['order-1', false]);
      const again = await postWithKey(EVENTS_KEY, { type: 'match.won', userId: player.id }, { 'idempotency-key': 'order-1' });
      assert.deepEqual([again.json().eventId, again.json().duplicate], ['order-1', true]);
      const same = await postWithKey(EVENTS_KEY, { id: 'order-1', type: 'match.won', userId: player.id }, { 'idempotency-key': 'order-1' });
      assert.equal(same.json().duplicate, true);
      expectError(await postWithKey(EVENTS_KEY, { id: 'order-2', type: 'match.won', userId: player.id }, { 'idempotency-key': 'order-3' }), 400, 'VALIDATION_FAILED', 'id');
      expectError(await postWithKey(EVENTS_KEY, { type: 'match.won', userId: player.id }, { 'idempotency-key': 'x'.repeat(129) }), 400, 'VALIDATION_FAILED');
      // Players use it too.
      const mine = await post(player, { type: 'score', value: 1 }, { 'idempotency-key': 'tap-1' });
      assert.equal(mine.json().eventId, 'tap-1');
      assert.equal(await storedEvents(player.id), 2);
    });
  });

  describe('POST /api/v1/admin/events with externalUserId', () => {
    const batch = (headers: Record<string, string>, events: Array<Record<string, unknown>>) =>
      h.app.inject({ method: 'POST', url: '/api/v1/admin/events', headers, payload: { events } });

    test('the external ids of a batch are resolved in one call; both or neither is rejected at its index', async () => {
      const known = h.auth.addUser();
      const calls = h.auth.resolveCalls.length;
      const res = await batch(await bearer(admin), [
        { id: 'b1', externalUserId: 'crm-1', timezone: 'Europe/Paris', type: 'login' },
        { id: 'b2', externalUserId: 'crm-2', type: 'match.won' },
        { id: 'b3', externalUserId: 'crm-1', type: 'match.won' },
        { id: 'b4', userId: known.id, externalUserId: 'crm-3', type: 'login' },
        { id: 'b5', type: 'login' },
        { id: 'b6', userId: known.id, type: 'login' },
      ]);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { accepted: 4, duplicates: 0, rejected: [{ index: 3, code: 'VALIDATION_FAILED' }, { index: 4, code: 'VALIDATION_FAILED' }] });
      assert.deepEqual(h.auth.resolveCalls.slice(calls), [{ users: [{ externalId: 'crm-1', timezone: 'Europe/Paris' }, { externalId: 'crm-2' }] }]);
      assert.equal(await storedEvents(h.auth.externalIds.get('crm-1')!), 2);
      assert.equal(await storedEvents(h.auth.externalIds.get('crm-2')!), 1);
      assert.equal(h.auth.externalIds.has('crm-3'), false);
      assert.equal(await storedEvents(known.id), 1);
    });

    test('an event refused before its user is known (future occurredAt, timezone with userId) creates no user', async () => {
      const known = h.auth.addUser();
      const calls = h.auth.resolveCalls.length;
      const future = new Date(Date.now() + 24 * 3600_000).toISOString();
      const res = await batch(await bearer(admin), [
        { id: 'f1', externalUserId: 'crm-future', type: 'login', occurredAt: future },
        { id: 'f2', userId: known.id, timezone: 'Asia/Tokyo', type: 'login' },
      ]);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { accepted: 0, duplicates: 0, rejected: [{ index: 0, code: 'OCCURRED_IN_FUTURE' }, { index: 1, code: 'VALIDATION_FAILED' }] });
      assert.equal(h.auth.resolveCalls.length, calls, 'auth was not asked: no user created');
      assert.equal(h.auth.externalIds.has('crm-future'), false);
      assert.equal(await storedEvents(known.id), 0);
    });

    test('a batch without external ids does not call resolve; a key with events:write may send it, one without may not', async () => {
      const player = h.auth.addUser();
      const calls = h.auth.resolveCalls.length;
      const res = await batch({ authorization: `Bearer ${EVENTS_KEY}` }, [{ id: 'k1', userId: player.id, type: 'login' }]);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().accepted, 1);
      assert.equal(h.auth.resolveCalls.length, calls);
      expectError(await batch({ authorization: `Bearer ${USERS_KEY}` }, [{ id: 'k2', userId: player.id, type: 'login' }]), 403, 'FORBIDDEN');
      expectError(await batch(await bearer(player), [{ id: 'k3', userId: player.id, type: 'login' }]), 403, 'FORBIDDEN');
    });
  });
});
