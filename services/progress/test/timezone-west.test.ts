/**
 * Moving west while a daily period is in progress, integration (README, "Timezone-fair periods"):
 * the period in progress goes on until its real-time end, so events during the overlap with the
 * new zone's earlier date count, and none of them makes the quest replay.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InternalUser, UserProfileUpdate } from '@questline/contracts';
import { startHarness, type Harness } from './support/harness.js';
import { quest } from './support/quests.js';

const dailyThree = quest({ key: 'daily-three', objective: { event: 'click', mode: 'count', target: 3 }, repeat: 'daily', autoClaim: true });

describe('a move west during a daily period in progress (integration)', () => {
  let h: Harness;

  const replays = async () => {
    const text = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    const line = text.split('\n').find((l) => l.startsWith('questline_quest_replays_total{') && l.includes('quest="daily-three"'));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  const profile = (user: InternalUser, timezone: string, version: number): UserProfileUpdate => ({ id: user.id, role: user.role, status: user.status, timezone, version });
  let admin: InternalUser;
  /** One event as a server sends it (the admin batch: the only way to say when it occurred); answers the completions since. */
  const click = async (user: InternalUser, id: string, occurredAt: string) => {
    const completions = async () => (await h.sql<{ n: number }>('SELECT count(*)::int AS n FROM completions WHERE user_id = $1', [user.id]))[0]!.n;
    const before = await completions();
    const headers = { authorization: `Bearer ${await h.auth.token(admin)}` };
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/admin/events', headers, payload: { events: [{ id, userId: user.id, type: 'click', occurredAt }] } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().accepted, 1, res.body);
    return { completed: (await completions()) > before ? ['daily-three'] : [] };
  };
  const row = async (userId: string) =>
    (await h.sql<{ progress: number; period_key: string; completions: number; last_completed_period: string | null; completed_period_zone: string | null }>(
      "SELECT progress::int, period_key, completions, last_completed_period, completed_period_zone FROM user_quests WHERE user_id = $1 AND quest_key = 'daily-three'",
      [userId],
    ))[0]!;

  before(async () => {
    h = await startHarness('progress_tz_west', [dailyThree]);
    admin = h.auth.addUser({ role: 'admin' });
  });
  after(async () => {
    await h.close();
  });

  test('Tokyo 3 March in progress, then New York (still 2 March): the overlap counts toward it, with no replay', async () => {
    const user = h.auth.addUser({ timezone: 'Asia/Tokyo' });
    assert.equal(await h.pushProfile(profile(user, 'Asia/Tokyo', 1)), 204);
    // Tokyo 3 Mar 08:00 (2 Mar 23:00 UTC): 1 of 3.
    assert.deepEqual((await click(user, 'tokyo', '2026-03-02T23:00:00Z')).completed, []);

    assert.equal(await h.pushProfile(profile(user, 'America/New_York', 2)), 204);
    const before = await replays();
    // New York 2 Mar 20:00 and 22:00: Tokyo's 3 March (until 3 Mar 15:00 UTC) is still in progress.
    assert.deepEqual((await click(user, 'ny-1', '2026-03-03T01:00:00Z')).completed, []);
    assert.equal((await row(user.id)).progress, 2, 'the event during the overlap counts');
    assert.deepEqual((await click(user, 'ny-2', '2026-03-03T03:00:00Z')).completed, ['daily-three']);
    assert.equal((await replays()) - before, 0, 'no event made the quest replay');

    const after = await row(user.id);
    assert.deepEqual([after.completions, after.last_completed_period, after.completed_period_zone], [1, '2026-03-03', 'Asia/Tokyo']);
    // New York 3 Mar overlaps the completed Tokyo day: nothing more; New York 4 Mar is a new period.
    for (const [id, at] of [['ny-3', '2026-03-03T16:00:00Z'], ['ny-4', '2026-03-03T17:00:00Z'], ['ny-5', '2026-03-03T18:00:00Z']]) {
      assert.deepEqual((await click(user, id!, at!)).completed, []);
    }
    assert.equal((await row(user.id)).completions, 1, 'no second completion within the same real day');
    for (const [id, at] of [['ny-6', '2026-03-04T06:00:00Z'], ['ny-7', '2026-03-04T07:00:00Z']]) await click(user, id!, at!);
    assert.deepEqual((await click(user, 'ny-8', '2026-03-04T08:00:00Z')).completed, ['daily-three']);
    assert.equal((await replays()) - before, 0);
    const grants = await h.sql<{ n: number }>("SELECT count(*)::int AS n FROM grant_outbox WHERE user_id = $1 AND quest_key = 'daily-three'", [user.id]);
    assert.deepEqual(grants, [{ n: 2 }]);
  });
});
