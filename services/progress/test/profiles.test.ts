import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { InternalUser } from '@questline/contracts';
import { injectInternal } from '@questline/testkit';
import { profileOf, startHarness, type Harness } from './support/harness.js';
import { dailyLogin, quest } from './support/quests.js';
import { INTERNAL_TOKEN } from './support/stand-ins.js';

const clicks = quest({ key: 'clicks', objective: { event: 'click', mode: 'count', target: 1000 } });

/** User profiles pushed by auth (ARCHITECTURE.md flow 3) and what progress decides from them. */
describe('user profiles (integration)', () => {
  let h: Harness;
  let admin: InternalUser;
  const bearer = async (user: Pick<InternalUser, 'id' | 'role' | 'status' | 'timezone'>) => ({ authorization: `Bearer ${await h.auth.token(user)}` });
  const stored = async (id: string) =>
    (await h.sql<{ status: string; timezone: string; version: number }>('SELECT status, timezone, version::int FROM user_profiles WHERE id = $1', [id]))[0];
  const batch = async (events: Array<Record<string, unknown>>) =>
    h.app.inject({ method: 'POST', url: '/api/v1/admin/events', headers: await bearer(admin), payload: { events } });

  before(async () => {
    h = await startHarness('progress_profiles', [dailyLogin, clicks]);
    admin = h.auth.addUser({ role: 'admin' });
  });
  after(async () => {
    await h.close();
  });

  describe('POST /internal/users/:id/profile', () => {
    test('an update is stored → 204', async () => {
      const user = h.auth.addUser();
      assert.equal(await h.pushProfile(profileOf(user, { timezone: 'Asia/Kolkata', version: 1 })), 204);
      assert.deepEqual(await stored(user.id), { status: 'active', timezone: 'Asia/Kolkata', version: 1 });
    });

    test('version 2, then a late version 1 → version 2 stays; a repeat of version 2 changes nothing', async () => {
      const user = h.auth.addUser();
      assert.equal(await h.pushProfile(profileOf(user, { status: 'banned', timezone: 'Asia/Tokyo', version: 2 })), 204);
      assert.equal(await h.pushProfile(profileOf(user, { status: 'active', timezone: 'UTC', version: 1 })), 204);
      assert.equal(await h.pushProfile(profileOf(user, { status: 'active', timezone: 'UTC', version: 2 })), 204);
      assert.deepEqual(await stored(user.id), { status: 'banned', timezone: 'Asia/Tokyo', version: 2 });
    });

    test('unsigned → 401; path id ≠ body id, bad uuid, unknown field, bad status or zone → 400', async () => {
      const user = h.auth.addUser();
      const body = profileOf(user, { version: 1 });
      const unsigned = await h.app.inject({ method: 'POST', url: `/internal/users/${user.id}/profile`, payload: body });
      assert.equal(unsigned.statusCode, 401);
      const cases: Array<[string, unknown, string]> = [
        [`/internal/users/${randomUUID()}/profile`, body, 'id'],
        ['/internal/users/not-a-uuid/profile', body, 'userId'],
        [`/internal/users/${user.id}/profile`, { ...body, extra: 1 }, 'extra'],
        [`/internal/users/${user.id}/profile`, { ...body, status: 'deleted' }, 'status'],
        [`/internal/users/${user.id}/profile`, { ...body, version: 0 }, 'version'],
        [`/internal/users/${user.id}/profile`, { ...body, timezone: 'Mars/Olympus' }, 'timezone'],
      ];
      for (const [url, payload, field] of cases) {
        const res = await injectInternal(h.app, INTERNAL_TOKEN, { method: 'POST', url, payload });
        assert.equal(res.statusCode, 400, `${url} ${JSON.stringify(payload)}`);
        assert.equal(res.json().error.code, 'VALIDATION_FAILED');
        assert.match(res.json().error.field ?? res.json().error.message, new RegExp(field));
      }
      assert.equal(await stored(user.id), undefined, 'nothing stored');
    });
  });

  describe('POST /internal/users/profiles', () => {
    const pushMany = (profiles: unknown[]) => injectInternal(h.app, INTERNAL_TOKEN, { method: 'POST', url: '/internal/users/profiles', payload: { profiles } });

    test('several users in one request → 204; the newest version of each wins, within the batch and against what is stored', async () => {
      const [a, b, c] = [h.auth.addUser(), h.auth.addUser(), h.auth.addUser()];
      assert.equal(await h.pushProfile(profileOf(c, { timezone: 'Europe/Paris', version: 5 })), 204);
      const res = await pushMany([
        profileOf(a, { timezone: 'Asia/Tokyo', version: 3 }),
        profileOf(a, { timezone: 'UTC', version: 2 }),
        profileOf(b, { status: 'banned', version: 1 }),
        profileOf(c, { timezone: 'UTC', version: 4 }),
      ]);
      assert.equal(res.statusCode, 204, res.body);
      assert.deepEqual(await stored(a.id), { status: 'active', timezone: 'Asia/Tokyo', version: 3 });
      assert.deepEqual(await stored(b.id), { status: 'banned', timezone: 'UTC', version: 1 });
      assert.deepEqual(await stored(c.id), { status: 'active', timezone: 'Europe/Paris', version: 5 }, 'a late version changes nothing');
      assert.equal((await pushMany([profileOf(c, { timezone: 'America/New_York', version: 6 })])).statusCode, 204);
      assert.deepEqual(await stored(c.id), { status: 'active', timezone: 'America/New_York', version: 6 });
    });

    test('one bad profile → 400 and nothing stored; unsigned → 401; empty → 400', async () => {
      const [a, b] = [h.auth.addUser(), h.auth.addUser()];
      const res = await pushMany([profileOf(a, { version: 1 }), { ...profileOf(b, { version: 1 }), timezone: 'Mars/Olympus' }]);
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
      assert.equal((await pushMany([])).statusCode, 400);
      const unsigned = await h.app.inject({ method: 'POST', url: '/internal/users/profiles', payload: { profiles: [profileOf(a, { version: 1 })] } });
      assert.equal(unsigned.statusCode, 401);
      assert.equal(await stored(a.id), undefined, 'nothing stored');
      assert.equal(await stored(b.id), undefined);
    });
  });

  test('a ban pushed by auth refuses the next event at once, although the token still says active', async () => {
    const user = h.auth.addUser();
    const token = await bearer(user);
    const ok = await h.app.inject({ method: 'POST', url: '/api/v1/events', headers: token, payload: { type: 'click' } });
    assert.equal(ok.statusCode, 200, ok.body);
    // Auth's own answer would still say active: only the push tells progress.
    assert.equal(await h.pushProfile(profileOf(user, { status: 'banned', version: 1 })), 204);
    for (const [method, url] of [
      ['POST', '/api/v1/events'],
      ['GET', '/api/v1/me/quests'],
      ['POST', '/api/v1/me/quests/clicks/claim'],
    ] as const) {
      const res = await h.app.inject({ method, url, headers: token, payload: method === 'POST' && url.endsWith('events') ? { type: 'click' } : undefined });
      assert.equal(res.statusCode, 403, `${method} ${url}`);
      assert.equal(res.json().error.code, 'USER_BANNED');
    }
    const rejected = await batch([{ id: 'after-ban', userId: user.id, type: 'click' }]);
    assert.deepEqual(rejected.json(), { accepted: 0, duplicates: 0, rejected: [{ index: 0, code: 'USER_BANNED' }] });
    // A replica sees the same table: no cache to wait for.
    const { app: replica } = await h.buildReplica();
    const elsewhere = await replica.inject({ method: 'POST', url: '/api/v1/events', headers: token, payload: { type: 'click' } });
    assert.equal(elsewhere.statusCode, 403);
    // Unbanned by a newer version: events count again.
    assert.equal(await h.pushProfile(profileOf(user, { status: 'active', version: 2 })), 204);
    assert.equal((await h.app.inject({ method: 'POST', url: '/api/v1/events', headers: token, payload: { type: 'click' } })).statusCode, 200);
  });

  test('a timezone change pushed by auth moves the day boundaries of later events', async () => {
    const user = h.auth.addUser({ timezone: 'UTC' });
    assert.equal(await h.pushProfile(profileOf(user, { version: 1 })), 204);
    // 20:00 UTC on 1 March completes that UTC day.
    assert.deepEqual((await batch([{ id: 'a', userId: user.id, type: 'login', occurredAt: '2026-03-01T20:00:00Z' }])).json().accepted, 1);
    // 22:00 UTC is the same day in UTC, but already 2 March in Tokyo: a Tokyo day that overlaps the
    // completed UTC day in real time, so it completes nothing (README, "Timezone-fair periods").
    assert.equal(await h.pushProfile(profileOf(user, { timezone: 'Asia/Tokyo', version: 2 })), 204);
    assert.deepEqual((await batch([{ id: 'b', userId: user.id, type: 'login', occurredAt: '2026-03-01T22:00:00Z' }])).json().accepted, 1);
    // 2 March 16:00 UTC is 3 March in Tokyo, wholly after the completed UTC day.
    assert.deepEqual((await batch([{ id: 'c', userId: user.id, type: 'login', occurredAt: '2026-03-02T16:00:00Z' }])).json().accepted, 1);
    const rows = await h.sql<{ completions: number; period_key: string; completed_period_zone: string }>(
      "SELECT completions, period_key, completed_period_zone FROM user_quests WHERE user_id = $1 AND quest_key = 'daily-login'",
      [user.id],
    );
    assert.deepEqual(rows, [{ completions: 2, period_key: '2026-03-03', completed_period_zone: 'Asia/Tokyo' }]);
    const zones = await h.sql<{ id: string; zone: string }>('SELECT id, zone FROM events WHERE user_id = $1 ORDER BY id', [user.id]);
    assert.deepEqual(zones, [{ id: 'a', zone: 'UTC' }, { id: 'b', zone: 'Asia/Tokyo' }, { id: 'c', zone: 'Asia/Tokyo' }], 'each event keeps the zone it was counted in');
  });

  test('timezone-fair: after moves east and west, the day completed now is not completed again (view and events)', async () => {
    // Pago Pago (UTC−11) and Kiritimati (UTC+14) are 25 hours apart: their dates always differ,
    // yet the current day of each contains now, so they overlap in real time.
    const user = h.auth.addUser({ timezone: 'Pacific/Pago_Pago' });
    assert.equal(await h.pushProfile(profileOf(user, { version: 1 })), 204);
    const login = async (id: string) => {
      const res = await batch([{ id, userId: user.id, type: 'login' }]);
      assert.equal(res.json().accepted, 1, res.body);
    };
    const daily = async () => {
      const res = await h.app.inject({ method: 'GET', url: '/api/v1/me/quests', headers: await bearer(user) });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().items.find((i: { quest: { key: string } }) => i.quest.key === 'daily-login');
    };
    await login('home');
    assert.equal((await daily()).completions, 1);

    assert.equal(await h.pushProfile(profileOf(user, { timezone: 'Pacific/Kiritimati', version: 2 })), 204);
    const east = await daily();
    assert.equal(east.status, 'completed');
    await login('east');
    assert.equal((await daily()).completions, 1, 'no second completion for the overlapping day');

    assert.equal(await h.pushProfile(profileOf(user, { timezone: 'Etc/GMT+12', version: 3 })), 204);
    await login('west');
    const west = await daily();
    assert.equal(west.completions, 1);
    assert.equal(west.status, 'completed');
    const grants = await h.sql<{ n: number }>("SELECT count(*)::int AS n FROM grant_outbox WHERE user_id = $1 AND quest_key = 'daily-login'", [user.id]);
    assert.deepEqual(grants, [{ n: 1 }]);
  });

  test('auth is asked once about a user progress never heard of; the answer is stored as version 0', async () => {
    const user = h.auth.addUser({ timezone: 'Europe/Berlin' });
    const token = await bearer(user);
    const results = await Promise.all([1, 2, 3].map(() => h.app.inject({ method: 'POST', url: '/api/v1/events', headers: token, payload: { type: 'click' } })));
    for (const r of results) assert.equal(r.statusCode, 200, r.body);
    await h.app.inject({ method: 'POST', url: '/api/v1/events', headers: token, payload: { type: 'click' } });
    assert.equal(h.auth.lookups.filter((id) => id === user.id).length, 1);
    assert.deepEqual(await stored(user.id), { status: 'active', timezone: 'Europe/Berlin', version: 0 });
    // Any pushed version replaces the fetched answer.
    assert.equal(await h.pushProfile(profileOf(user, { timezone: 'America/New_York', version: 1 })), 204);
    assert.deepEqual(await stored(user.id), { status: 'active', timezone: 'America/New_York', version: 1 });
  });

  test('GET /me/quests answers from progress data; without a stored profile auth is asked once (a user it does not know is 401)', async () => {
    const user = h.auth.addUser({ timezone: 'Asia/Kolkata' });
    const lookupsBefore = h.auth.lookups.length;
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/me/quests', headers: await bearer(user) });
    assert.equal(res.statusCode, 200, res.body);
    const daily = res.json().items.find((i: { quest: { key: string } }) => i.quest.key === 'daily-login');
    // Midnight in Kolkata is 18:30 UTC.
    assert.match(daily.periodEndsAt, /T18:30:00\.000Z$/);
    assert.equal(h.auth.lookups.length, lookupsBefore + 1, 'auth was asked once');

    await h.pushProfile(profileOf(user, { timezone: 'Asia/Tokyo', version: 1 }));
    const after = await h.app.inject({ method: 'GET', url: '/api/v1/me/quests', headers: await bearer(user) });
    const dailyAfter = after.json().items.find((i: { quest: { key: string } }) => i.quest.key === 'daily-login');
    assert.match(dailyAfter.periodEndsAt, /T15:00:00\.000Z$/, 'the stored profile wins over the token claim');
    assert.equal(h.auth.lookups.length, lookupsBefore + 1);
  });

  test('GET /me/quests refuses a banned user who has no quest state yet (the profile alone decides)', async () => {
    const user = h.auth.addUser();
    assert.equal(await h.pushProfile(profileOf(user, { status: 'banned', version: 1 })), 204);
    assert.equal((await h.sql('SELECT 1 FROM user_quests WHERE user_id = $1', [user.id])).length, 0);
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/me/quests', headers: await bearer(user) });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'USER_BANNED');
  });

  test('admin view: a stored user needs no call; an unknown one is asked of auth (404 if auth does not know it)', async () => {
    const known = h.auth.addUser();
    await h.pushProfile(profileOf(known, { version: 1 }));
    const lookupsBefore = h.auth.lookups.length;
    const view = await h.app.inject({ method: 'GET', url: `/api/v1/admin/users/${known.id}/quests`, headers: await bearer(admin) });
    assert.equal(view.statusCode, 200);
    assert.equal(h.auth.lookups.length, lookupsBefore);

    const onlyInAuth = h.auth.addUser();
    assert.equal((await h.app.inject({ method: 'GET', url: `/api/v1/admin/users/${onlyInAuth.id}/quests`, headers: await bearer(admin) })).statusCode, 200);
    const nobody = await h.app.inject({ method: 'GET', url: `/api/v1/admin/users/${randomUUID()}/quests`, headers: await bearer(admin) });
    assert.equal(nobody.statusCode, 404);
    assert.equal(nobody.json().error.code, 'NOT_FOUND');
  });

  test('admin routes: the stored profile decides, so a demoted or banned admin with a valid admin token is refused', async () => {
    const target = h.auth.addUser();
    const verdict = async (res: { statusCode: number; json(): { error?: { code: string } } }) => `${res.statusCode} ${res.json().error?.code}`;
    const tryBoth = async (who: InternalUser) => {
      const headers = await bearer({ ...who, role: 'admin', status: 'active' });
      const view = await h.app.inject({ method: 'GET', url: `/api/v1/admin/users/${target.id}/quests`, headers });
      const events = await h.app.inject({ method: 'POST', url: '/api/v1/admin/events', headers, payload: { events: [{ id: randomUUID(), userId: target.id, type: 'click' }] } });
      return [await verdict(view), await verdict(events)];
    };
    const demoted = h.auth.addUser({ role: 'admin' });
    assert.deepEqual(await tryBoth(demoted), ['200 undefined', '200 undefined'], 'asked of auth once, then stored');
    await h.pushProfile(profileOf(demoted, { role: 'player', version: 1 }));
    assert.deepEqual(await tryBoth(demoted), ['403 FORBIDDEN', '403 FORBIDDEN']);

    const banned = h.auth.addUser({ role: 'admin' });
    await h.pushProfile(profileOf(banned, { status: 'banned', version: 1 }));
    assert.deepEqual(await tryBoth(banned), ['403 USER_BANNED', '403 USER_BANNED']);
    assert.equal((await h.sql('SELECT 1 FROM events WHERE user_id = $1', [target.id])).length, 1, 'only the first batch was applied');
  });
});
