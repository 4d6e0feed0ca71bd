import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { InternalUser } from '@questline/contracts';
import { questGrantKey } from '@questline/contracts';
import { injectInternal } from '@questline/testkit';
import { startHarness, type Harness } from './support/harness.js';
import { INTERNAL_TOKEN } from './support/stand-ins.js';
import { dailyLogin, quest, signInThreeTimes, tenGold } from './support/quests.js';

const race = quest({
  key: 'race-quest',
  objective: { event: 'race', mode: 'count', target: 1 },
  reward: { ...tenGold, xp: 5, badge: 'racer' },
});

describe('progress routes (integration)', () => {
  let h: Harness;
  let player: InternalUser;
  let admin: InternalUser;
  const auth = async (user: InternalUser) => ({ authorization: `Bearer ${await h.auth.token(user)}` });

  before(async () => {
    h = await startHarness('progress_routes', [dailyLogin, signInThreeTimes, race]);
    player = h.auth.addUser();
    admin = h.auth.addUser({ role: 'admin' });
  });
  after(async () => {
    await h.close();
  });

  describe('security', () => {
    test('no token → 401 on every user route', async () => {
      for (const [method, url] of [
        ['POST', '/api/v1/events'],
        ['GET', '/api/v1/me/quests'],
        ['POST', '/api/v1/me/quests/race-quest/claim'],
        ['POST', '/api/v1/admin/events'],
        ['GET', `/api/v1/admin/users/${player.id}/quests`],
      ] as const) {
        const res = await h.app.inject({ method, url, payload: method === 'POST' ? { type: 'login' } : undefined });
        assert.equal(res.statusCode, 401, `${method} ${url}`);
        assert.equal(res.json().error.code, 'UNAUTHENTICATED');
      }
    });

    test('an invalid token → 401', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/api/v1/me/quests', headers: { authorization: 'Bearer not.a.jwt' } });
      assert.equal(res.statusCode, 401);
    });

    test('a player on admin routes → 403 FORBIDDEN', async () => {
      const batch = await h.app.inject({
        method: 'POST',
        url: '/api/v1/admin/events',
        headers: await auth(player),
        payload: { events: [{ id: 'x', userId: player.id, type: 'login' }] },
      });
      assert.equal(batch.statusCode, 403);
      assert.equal(batch.json().error.code, 'FORBIDDEN');
      const view = await h.app.inject({ method: 'GET', url: `/api/v1/admin/users/${player.id}/quests`, headers: await auth(player) });
      assert.equal(view.statusCode, 403);
      assert.equal(view.json().error.code, 'FORBIDDEN');
    });

    test('a user banned after the token was issued → 403 USER_BANNED', async () => {
      const user = h.auth.addUser();
      const token = await auth(user); // says status "active"
      h.auth.users.set(user.id, { ...user, status: 'banned' });
      const event = await h.app.inject({ method: 'POST', url: '/api/v1/events', headers: token, payload: { type: 'race' } });
      assert.equal(event.statusCode, 403);
      assert.equal(event.json().error.code, 'USER_BANNED');
      const claim = await h.app.inject({ method: 'POST', url: '/api/v1/me/quests/race-quest/claim', headers: token });
      assert.equal(claim.statusCode, 403);
      assert.equal(claim.json().error.code, 'USER_BANNED');
      const quests = await h.app.inject({ method: 'GET', url: '/api/v1/me/quests', headers: token });
      assert.equal(quests.statusCode, 403);
    });

    test('a token already saying banned → 403 USER_BANNED', async () => {
      const user = h.auth.addUser({ status: 'banned' });
      const res = await h.app.inject({ method: 'POST', url: '/api/v1/events', headers: await auth(user), payload: { type: 'race' } });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'USER_BANNED');
    });
  });

  describe('validation', () => {
    const post = async (url: string, payload: unknown, user = player) => h.app.inject({ method: 'POST', url, headers: await auth(user), payload: payload as object });

    test('malformed JSON → 400 INVALID_JSON; a missing body → 400 VALIDATION_FAILED', async () => {
      const headers = { ...(await auth(player)), 'content-type': 'application/json' };
      const broken = await h.app.inject({ method: 'POST', url: '/api/v1/events', headers, payload: '{"type":' });
      assert.equal(broken.statusCode, 400);
      assert.equal(broken.json().error.code, 'INVALID_JSON');
      const empty = await h.app.inject({ method: 'POST', url: '/api/v1/events', headers });
      assert.equal(empty.statusCode, 400);
      assert.equal(empty.json().error.code, 'VALIDATION_FAILED');
      const poisoned = await h.app.inject({ method: 'POST', url: '/api/v1/events', headers, payload: '{"type":"login","__proto__":{"x":1}}' });
      assert.equal(poisoned.statusCode, 400);
    });

    test('unknown field → 400 naming it', async () => {
      const res = await post('/api/v1/events', { type: 'login', bogus: 1 });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
      assert.equal(res.json().error.field, 'bogus');
    });

    test('wrong types and bad values → 400', async () => {
      for (const [payload, field] of [
        [{ type: 'login', value: '5' }, 'value'],
        [{ type: 'login', value: -1 }, 'value'],
        [{ type: 'login', value: 1.5 }, 'value'],
        [{ type: 'Login Now' }, 'type'],
        [{}, 'type'],
        [{ type: 'login', id: '' }, 'id'],
        [{ type: 'login', id: 'x'.repeat(129) }, 'id'],
        [{ type: 'login', attributes: { level: { nested: true } } }, 'attributes.level'],
      ] as const) {
        const res = await post('/api/v1/events', payload);
        assert.equal(res.statusCode, 400, JSON.stringify(payload));
        assert.equal(res.json().error.code, 'VALIDATION_FAILED');
        assert.equal(res.json().error.field, field, JSON.stringify(payload));
      }
    });

    test('admin batch: more than 1000 events, none, bad uuid, unknown field → 400', async () => {
      const event = (i: number) => ({ id: `e${i}`, userId: player.id, type: 'click' });
      const tooMany = await post('/api/v1/admin/events', { events: Array.from({ length: 1001 }, (_, i) => event(i)) }, admin);
      assert.equal(tooMany.statusCode, 400);
      assert.equal(tooMany.json().error.field, 'events');
      assert.equal((await post('/api/v1/admin/events', { events: [] }, admin)).statusCode, 400);
      const badUuid = await post('/api/v1/admin/events', { events: [{ id: 'a', userId: 'not-a-uuid', type: 'click' }] }, admin);
      assert.equal(badUuid.statusCode, 400);
      assert.equal(badUuid.json().error.field, 'events.0.userId');
      const extra = await post('/api/v1/admin/events', { events: [{ ...event(1), score: 3 }] }, admin);
      assert.equal(extra.statusCode, 400);
      assert.equal(extra.json().error.field, 'events.0.score');
      const badDate = await post('/api/v1/admin/events', { events: [{ ...event(1), occurredAt: 'yesterday' }] }, admin);
      assert.equal(badDate.statusCode, 400);
    });

    test('bodies over the limit → 413 (1 MiB for a player event, 4 MiB for a batch)', async () => {
      const big = await post('/api/v1/events', { type: 'login', attributes: { blob: 'x'.repeat(1100 * 1024) } });
      assert.equal(big.statusCode, 413);
      assert.equal(big.json().error.code, 'PAYLOAD_TOO_LARGE');
      const events = Array.from({ length: 1000 }, (_, i) => ({ id: `big-${i}`, userId: player.id, type: 'click', attributes: { blob: 'y'.repeat(4500) } }));
      const batch = await post('/api/v1/admin/events', { events }, admin);
      assert.equal(batch.statusCode, 413);
    });

    test('1000 events in one batch (over 1 MiB) are accepted', async () => {
      const padding = Object.fromEntries(Array.from({ length: 8 }, (_, k) => [`pad${k}`, 'p'.repeat(200)]));
      const events = Array.from({ length: 1000 }, (_, i) => ({ id: `bulk-${i}`, userId: player.id, type: 'bulk', attributes: { i, ...padding } }));
      assert.ok(JSON.stringify({ events }).length > 1024 * 1024);
      const res = await post('/api/v1/admin/events', { events }, admin);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { accepted: 1000, duplicates: 0, rejected: [] });
    });

    test('admin user view: bad uuid → 400, unknown user → 404', async () => {
      const bad = await h.app.inject({ method: 'GET', url: '/api/v1/admin/users/nope/quests', headers: await auth(admin) });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.code, 'VALIDATION_FAILED');
      const missing = await h.app.inject({ method: 'GET', url: `/api/v1/admin/users/${randomUUID()}/quests`, headers: await auth(admin) });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().error.code, 'NOT_FOUND');
    });

    test('claim of an unknown quest → 404, over-long key → 400', async () => {
      const unknown = await post('/api/v1/me/quests/no-such-quest/claim', undefined);
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().error.code, 'NOT_FOUND');
      const long = await post(`/api/v1/me/quests/${'k'.repeat(65)}/claim`, undefined);
      assert.equal(long.statusCode, 400);
    });
  });

  describe('quests and claims', () => {
    test('GET /me/quests lists every published quest in the api.md shape', async () => {
      const user = h.auth.addUser({ timezone: 'Asia/Kolkata' });
      const res = await h.app.inject({ method: 'GET', url: '/api/v1/me/quests', headers: await auth(user) });
      assert.equal(res.statusCode, 200);
      const items = res.json().items as Array<Record<string, unknown> & { quest: { key: string } }>;
      assert.deepEqual(items.map((i) => i.quest.key), ['daily-login', 'sign-in-three-times', 'race-quest']);
      const daily = items[0]!;
      assert.deepEqual(Object.keys(daily).sort(), ['claimable', 'completions', 'endsAt', 'lockedBy', 'maxCompletions', 'objective', 'periodEndsAt', 'progress', 'quest', 'reportable', 'reward', 'startsAt', 'status', 'streak', 'target'].sort());
      // What a player's screen needs to explain the quest: what to do, what it pays, what locks it.
      assert.deepEqual(daily.objective, { event: 'login', mode: 'count', target: 1 });
      assert.deepEqual(daily.reward, { name: '10 gold', items: [{ currency: 'gold', amount: 10 }], xp: 0, badge: null });
      assert.deepEqual(daily.lockedBy, []);
      assert.equal(daily.startsAt, null);
      assert.equal(daily.status, 'active');
      assert.equal(daily.reportable, false, 'login is never reported by players');
      assert.equal(items[2]!.reportable, true, 'race is declared player-reportable (the harness default)');
      assert.equal(daily.maxCompletions, 365);
      assert.equal(daily.streak, null);
      assert.ok(typeof daily.periodEndsAt === 'string' && Date.parse(daily.periodEndsAt) > Date.now());
      // Kolkata days end at 18:30 UTC.
      assert.match(daily.periodEndsAt as string, /T18:30:00\.000Z$/);
      assert.deepEqual(items[1]!.streak, { current: 0, best: 0, lastDay: null });
    });

    test('two racing claims pay once: one 200, one 409', async () => {
      const user = h.auth.addUser();
      const ev = await h.app.inject({ method: 'POST', url: '/api/v1/events', headers: await auth(user), payload: { type: 'race' } });
      assert.deepEqual(ev.json().completed, ['race-quest']);
      assert.deepEqual(ev.json().rewarded, [], 'not an auto-claim quest');
      assert.equal(ev.json().updates[0].status, 'claimable');

      const headers = await auth(user);
      const claims = await Promise.all([1, 2].map(() => h.app.inject({ method: 'POST', url: '/api/v1/me/quests/race-quest/claim', headers })));
      const statuses = claims.map((c) => c.statusCode).sort();
      assert.deepEqual(statuses, [200, 409]);
      const won = claims.find((c) => c.statusCode === 200)!;
      assert.deepEqual(won.json(), { rewarded: { items: [{ currency: 'gold', amount: 10 }], xp: 5, badge: 'racer' } });
      assert.equal(claims.find((c) => c.statusCode === 409)!.json().error.code, 'NOTHING_TO_CLAIM');

      await h.drainOutbox();
      assert.equal(h.auth.grantCalls.filter((c) => c.body.userId === user.id).length, 1);
      assert.equal(h.auth.successfulGrants(questGrantKey(user.id, 'race-quest', 1)).length, 1);
    });

    test('a claim pays every unclaimed completion at once, one grant per completion', async () => {
      const user = h.auth.addUser();
      const headers = await auth(user);
      for (let i = 0; i < 3; i++) await h.app.inject({ method: 'POST', url: '/api/v1/events', headers, payload: { type: 'race' } });
      const before = await h.app.inject({ method: 'GET', url: '/api/v1/me/quests', headers });
      const raceView = before.json().items.find((i: { quest: { key: string } }) => i.quest.key === 'race-quest');
      assert.equal(raceView.claimable, 3);
      assert.equal(raceView.status, 'claimable');

      const claim = await h.app.inject({ method: 'POST', url: '/api/v1/me/quests/race-quest/claim', headers });
      assert.equal(claim.statusCode, 200);
      assert.deepEqual(claim.json(), { rewarded: { items: [{ currency: 'gold', amount: 30 }], xp: 15, badge: 'racer' } });
      const again = await h.app.inject({ method: 'POST', url: '/api/v1/me/quests/race-quest/claim', headers });
      assert.equal(again.statusCode, 409);

      await h.drainOutbox();
      for (let n = 1; n <= 3; n++) assert.equal(h.auth.successfulGrants(questGrantKey(user.id, 'race-quest', n)).length, 1);
      const after = await h.app.inject({ method: 'GET', url: '/api/v1/me/quests', headers });
      const afterView = after.json().items.find((i: { quest: { key: string } }) => i.quest.key === 'race-quest');
      assert.equal(afterView.claimable, 0);
      assert.equal(afterView.status, 'active');
    });

    test('nothing earned → 409 NOTHING_TO_CLAIM', async () => {
      const user = h.auth.addUser();
      const res = await h.app.inject({ method: 'POST', url: '/api/v1/me/quests/sign-in-three-times/claim', headers: await auth(user) });
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().error.code, 'NOTHING_TO_CLAIM');
      // A bodiless POST that still says application/json is fine too.
      const typed = await h.app.inject({
        method: 'POST',
        url: '/api/v1/me/quests/sign-in-three-times/claim',
        headers: { ...(await auth(user)), 'content-type': 'application/json' },
      });
      assert.equal(typed.statusCode, 409);
    });
  });

  test('public routes are documented; internal ones are not', async () => {
    const doc = (await injectInternal(h.app, INTERNAL_TOKEN, { url: '/internal/openapi.json' })).json();
    assert.ok(doc.paths['/api/v1/events']);
    assert.ok(doc.paths['/api/v1/me/quests/{key}/claim']);
    assert.equal(doc.paths['/internal/events'], undefined);
  });

  test('the OpenAPI document, like every /internal route, needs the internal credential', async () => {
    const unsigned = await h.app.inject({ method: 'GET', url: '/internal/openapi.json' });
    assert.equal(unsigned.statusCode, 401);
    assert.equal(unsigned.json().error.code, 'UNAUTHENTICATED');
  });
});
