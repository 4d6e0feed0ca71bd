/**
 * Late events, integration: a backfill replays each quest once per transaction (not once per late
 * event), completions and grants stay exactly once, and a date repeated by a move west is a no-op.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InternalUser } from '@questline/contracts';
import { createDatabase, type Database } from '@questline/platform';
import type { ProgressDatabase } from '../src/db/schema.js';
import { applyEvents } from '../src/use-cases/apply-events.use-case.js';
import type { IncomingEvent } from '../src/use-cases/apply-types.js';
import { startHarness, type Harness } from './support/harness.js';
import { dailyLogin, signInThreeTimes } from './support/quests.js';

const DAY = 24 * 3600_000;

describe('late events (integration)', () => {
  let h: Harness;
  let database: Database<ProgressDatabase>;
  const bearer = async (user: InternalUser) => ({ authorization: `Bearer ${await h.auth.token(user)}` });

  /** The value of a counter in the app's /metrics, summed over the series that carry `label` (0 when absent). */
  const metric = async (name: string, label = '') => {
    const text = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    return text
      .split('\n')
      .filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(label))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  };
  const replays = (quest: string) => metric('questline_quest_replays_total', `quest="${quest}"`);

  const batch = async (admin: InternalUser, events: Array<Record<string, unknown>>) => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/admin/events', headers: await bearer(admin), payload: { events } });
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  };
  const row = async (userId: string, questKey: string) =>
    (await h.sql<{ completions: number; claimed: number; streak_best: number; last_completed_period: string | null; updated_at: Date }>(
      'SELECT completions, claimed, streak_best, last_completed_period, updated_at FROM user_quests WHERE user_id = $1 AND quest_key = $2',
      [userId, questKey],
    ))[0]!;

  /** Applies one user's events in one transaction the way single events are (per-event answers). */
  const applyNow = async (userId: string, timezone: string, events: IncomingEvent[]) => {
    const catalog = h.ctx.catalog.snapshot!;
    const [result] = await database.db.transaction().execute((trx) => applyEvents(trx, catalog, [{ userId, timezone, events }], { snapshots: true }));
    return result!;
  };

  before(async () => {
    h = await startHarness('progress_backfill', [dailyLogin, signInThreeTimes]);
    database = createDatabase<ProgressDatabase>(h.db.url, { max: 2 });
  });
  after(async () => {
    await database.close();
    await h.close();
  });

  test('300 old logins for a user who already logged in today: one replay per quest, every day counted once', async () => {
    const admin = h.auth.addUser({ role: 'admin' });
    const user = h.auth.addUser({ timezone: 'UTC' });
    const live = await h.serverEvent(user.id, { type: 'login' });
    assert.deepEqual(live.json().completed, ['daily-login']);

    // Noon UTC of each of the 300 days before today, sent out of order (the batch sorts them).
    const noon = new Date(new Date().toISOString().slice(0, 10) + 'T12:00:00Z').getTime();
    const events = Array.from({ length: 300 }, (_, i) => ({ id: `old-${i + 1}`, userId: user.id, type: 'login', occurredAt: new Date(noon - (i + 1) * DAY).toISOString() }));
    events.sort((a, b) => (a.id.length % 3) - (b.id.length % 3) || a.id.localeCompare(b.id));

    const before = { daily: await replays('daily-login'), streak: await replays('sign-in-three-times'), read: await metric('questline_replay_events_read_total') };
    assert.deepEqual(await batch(admin, events), { accepted: 300, duplicates: 0, rejected: [] });
    // Each quest replayed once from its 301 events (the old code replayed both quests for every one of the 300).
    assert.equal((await replays('daily-login')) - before.daily, 1);
    assert.equal((await replays('sign-in-three-times')) - before.streak, 1);
    assert.equal((await metric('questline_replay_events_read_total')) - before.read, 2 * 301);

    const daily = await row(user.id, 'daily-login');
    assert.equal(daily.completions, 301, 'each of the 301 days earns its own daily completion');
    assert.equal(daily.claimed, 301);
    assert.equal(daily.last_completed_period, new Date(noon).toISOString().slice(0, 10), 'today stays the last completed day');
    const streak = await row(user.id, 'sign-in-three-times');
    // 300 consecutive days: completions 1 and 2 on the 3rd and 6th day, then maxCompletions (2) is reached.
    assert.deepEqual([streak.completions, streak.claimed, streak.streak_best], [2, 0, 3]);

    // Exactly once: one completion row and one grant per completion number, each day once.
    const completions = await h.sql<{ quest_key: string; n: string; numbers: string; days: string }>(
      `SELECT quest_key, count(*) AS n, count(DISTINCT number) AS numbers, count(DISTINCT completed_at::date) AS days
         FROM completions WHERE user_id = $1 GROUP BY quest_key ORDER BY quest_key`,
      [user.id],
    );
    assert.deepEqual(
      completions.map((c) => [c.quest_key, Number(c.n), Number(c.numbers), Number(c.days)]),
      [
        ['daily-login', 301, 301, 301],
        ['sign-in-three-times', 2, 2, 2],
      ],
    );
    const grants = await h.sql<{ n: string; keys: string }>('SELECT count(*) AS n, count(DISTINCT idempotency_key) AS keys FROM grant_outbox WHERE user_id = $1', [user.id]);
    assert.deepEqual([Number(grants[0]!.n), Number(grants[0]!.keys)], [301, 301]);

    // The same batch again: duplicates, no replay, nothing new.
    assert.deepEqual(await batch(admin, events), { accepted: 0, duplicates: 300, rejected: [] });
    assert.equal((await replays('daily-login')) - before.daily, 1);
    assert.equal((await row(user.id, 'daily-login')).completions, 301);

    // One more old day later on: one more completion, numbered after the recorded ones.
    await batch(admin, [{ id: 'old-301', userId: user.id, type: 'login', occurredAt: new Date(noon - 301 * DAY).toISOString() }]);
    assert.equal((await row(user.id, 'daily-login')).completions, 302);
    const last = await h.sql<{ number: number; completed_at: Date }>(
      "SELECT number, completed_at FROM completions WHERE user_id = $1 AND quest_key = 'daily-login' ORDER BY number DESC LIMIT 1",
      [user.id],
    );
    assert.equal(last[0]!.number, 302);
    assert.equal(last[0]!.completed_at.toISOString(), new Date(noon - 301 * DAY).toISOString());
    const grantsAfter = await h.sql<{ n: string }>("SELECT count(*) AS n FROM grant_outbox WHERE user_id = $1 AND quest_key = 'daily-login'", [user.id]);
    assert.equal(Number(grantsAfter[0]!.n), 302);
  });

  test('moving west: a login on a date that repeats is a no-op (no replay, not reported as progress); a really late one still replays', async () => {
    const user = h.auth.addUser();
    const login = (id: string, iso: string): IncomingEvent => ({ id, type: 'login', occurredAt: new Date(iso) });
    // 1 March 16:00 UTC is 2 March 01:00 in Tokyo (and 1 March 08:00 in Los Angeles, where the user moves next).
    const first = await applyNow(user.id, 'Asia/Tokyo', [login('tokyo', '2025-03-01T16:00:00Z')]);
    assert.deepEqual(first.applied[0]!.results.map((r) => r.outcome.kind), ['completed', 'progressed']);
    const stored = { daily: await row(user.id, 'daily-login'), streak: await row(user.id, 'sign-in-three-times') };

    // An hour later it is still 1 March in Los Angeles, but the completed Tokyo 2 March goes on (until
    // 2 March 15:00 UTC), and that LA day overlaps the streak's counted Tokyo 2 March (the same day again).
    const west = await applyNow(user.id, 'America/Los_Angeles', [login('la-same-hour', '2025-03-01T17:00:00Z')]);
    const outcomes = west.applied[0]!.results.map((r) => [r.quest.key, r.outcome]);
    assert.deepEqual(outcomes, [
      ['daily-login', { kind: 'ignored', reason: 'already-completed-this-period' }],
      ['sign-in-three-times', { kind: 'ignored', reason: 'same-day' }],
    ]);
    assert.deepEqual(west.replays, [], 'nothing to replay: neither outcome is a late event');
    assert.deepEqual(west.applied[0]!.rewarded, []);
    assert.deepEqual(await row(user.id, 'daily-login'), stored.daily, 'the row is not even rewritten');
    assert.deepEqual(await row(user.id, 'sign-in-three-times'), stored.streak);

    // 28 February in Los Angeles, earlier than both: a real late event, replayed, with its own effect reported.
    const late = await applyNow(user.id, 'America/Los_Angeles', [login('la-late', '2025-02-28T20:00:00Z')]);
    assert.deepEqual(late.replays.sort(), ['daily-login', 'sign-in-three-times']);
    assert.deepEqual(
      late.applied[0]!.results.map((r) => [r.quest.key, r.outcome]),
      [
        ['daily-login', { kind: 'completed', completion: 2, autoClaimed: true }],
        ['sign-in-three-times', { kind: 'progressed' }],
      ],
    );
    assert.deepEqual(late.applied[0]!.rewarded, [{ questKey: 'daily-login', items: [{ currency: 'gold', amount: 10 }] }]);
    // 28 Feb (LA) then 2 Mar (Tokyo; the Tokyo day before it overlapped LA 28 Feb): two days; LA 1 Mar overlaps Tokyo 2 Mar and adds nothing.
    assert.equal(late.applied[0]!.statesAfter!.get('sign-in-three-times')!.streakCurrent, 2);
    assert.equal((await row(user.id, 'daily-login')).completions, 2);
  });

  test('per-event answers stay exact when a group holds a late event and a later one of the same user', async () => {
    const user = h.auth.addUser();
    const catalog = h.ctx.catalog.snapshot!;
    await applyNow(user.id, 'UTC', [{ id: 'd3', type: 'login', occurredAt: new Date('2025-05-03T12:00:00Z') }]);
    // Two single events in one transaction (as a group commit applies them): a late day, then the next day.
    const results = await database.db.transaction().execute((trx) =>
      applyEvents(
        trx,
        catalog,
        [
          { userId: user.id, timezone: 'UTC', events: [{ id: 'd2', type: 'login', occurredAt: new Date('2025-05-02T12:00:00Z') }] },
          { userId: user.id, timezone: 'UTC', events: [{ id: 'd4', type: 'login', occurredAt: new Date('2025-05-04T12:00:00Z') }] },
        ],
        { snapshots: true },
      ),
    );
    const [late, next] = results.map((r) => r.applied[0]!);
    assert.deepEqual(late!.results.map((r) => r.outcome.kind), ['completed', 'progressed']);
    assert.equal(late!.statesAfter!.get('sign-in-three-times')!.streakCurrent, 2, 'after the late event: 2 and 3 May');
    assert.deepEqual(next!.results.map((r) => r.outcome.kind), ['completed', 'completed'], '4 May: the third day in a row');
    assert.equal(next!.statesAfter!.get('daily-login')!.completions, 3);
    assert.deepEqual((await row(user.id, 'sign-in-three-times')).completions, 1);
  });
});
