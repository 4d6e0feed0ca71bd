/**
 * Prerequisites and late events, integration. The rule: an event counts toward a quest only if each
 * of the quest's prerequisites was first completed strictly before the event's occurredAt —
 * incrementally, in replays, and when a backfill moves a prerequisite's first completion earlier.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InternalUser } from '@questline/contracts';
import { startHarness, type Harness } from './support/harness.js';
import { quest } from './support/quests.js';

// A daily check-in unlocks raids (two raids complete it); a tutorial unlocks a three-day duel streak.
const checkin = quest({ key: 'checkin', objective: { event: 'checkin', mode: 'count', target: 1 }, repeat: 'daily', autoClaim: true });
const raid = quest({ key: 'raid', objective: { event: 'raid', mode: 'count', target: 2 }, prerequisites: ['checkin'] });
const intro = quest({ key: 'intro', objective: { event: 'tutorial', mode: 'count', target: 1 }, maxCompletions: 1 });
const duels = quest({ key: 'duels', objective: { event: 'duel', mode: 'streak', target: 3 }, prerequisites: ['intro'] });

const day = (d: number, hour = 12) => `2025-06-${String(d).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00.000Z`;

describe('prerequisites judged at each event’s time (integration)', () => {
  let h: Harness;
  let admin: InternalUser;
  let seq = 0;

  const batch = async (userId: string, events: Array<[type: string, occurredAt: string]>) => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/admin/events',
      headers: { authorization: `Bearer ${await h.auth.token(admin)}` },
      payload: { events: events.map(([type, occurredAt]) => ({ id: `e${++seq}`, userId, type, occurredAt })) },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().accepted, events.length);
  };
  const state = async (userId: string, questKey: string) =>
    (await h.sql<{ progress: number; completions: number; streak_current: number }>(
      'SELECT progress::int, completions, streak_current FROM user_quests WHERE user_id = $1 AND quest_key = $2',
      [userId, questKey],
    ))[0] ?? null;
  const completedAt = async (userId: string, questKey: string) =>
    (await h.sql<{ completed_at: Date }>('SELECT completed_at FROM completions WHERE user_id = $1 AND quest_key = $2 ORDER BY completed_at', [userId, questKey])).map((r) =>
      r.completed_at.toISOString(),
    );

  before(async () => {
    h = await startHarness('progress_prereq_backfill', [checkin, raid, intro, duels]);
    admin = h.auth.addUser({ role: 'admin' });
  });
  after(async () => {
    await h.close();
  });

  test('/me/quests names what keeps a quest locked (lockedBy), and nothing once it is completed', async () => {
    const user = h.auth.addUser();
    const list = async () => {
      const res = await h.app.inject({ method: 'GET', url: '/api/v1/me/quests', headers: { authorization: `Bearer ${await h.auth.token(user)}` } });
      assert.equal(res.statusCode, 200, res.body);
      return new Map((res.json().items as { quest: { key: string; name: string }; status: string; lockedBy: unknown[] }[]).map((v) => [v.quest.key, v]));
    };
    const before = await list();
    assert.equal(before.get('raid')!.status, 'locked');
    assert.deepEqual(before.get('raid')!.lockedBy, [{ key: 'checkin', name: before.get('checkin')!.quest.name }]);
    assert.deepEqual(before.get('duels')!.lockedBy, [{ key: 'intro', name: before.get('intro')!.quest.name }]);
    assert.deepEqual(before.get('checkin')!.lockedBy, []);
    await batch(user.id, [['checkin', new Date(Date.now() - 60_000).toISOString()]]);
    const after = await list();
    assert.equal(after.get('raid')!.status, 'active');
    assert.deepEqual(after.get('raid')!.lockedBy, []);
    assert.deepEqual(after.get('duels')!.lockedBy, [{ key: 'intro', name: before.get('intro')!.quest.name }]);
  });

  test('a backfilled event dated before the prerequisite’s completion does not count; one after it does', async () => {
    const user = h.auth.addUser();
    await batch(user.id, [['checkin', day(5)]]);
    await batch(user.id, [
      ['raid', day(4)],
      ['raid', day(5, 11)],
      ['raid', day(5, 12)], // the instant check-in was completed: not after it
      ['raid', day(6)],
    ]);
    assert.deepEqual(await state(user.id, 'raid'), { progress: 1, completions: 0, streak_current: 0 });
  });

  test('a replay judges each event at its own time, not against today’s state', async () => {
    const user = h.auth.addUser();
    await batch(user.id, [['tutorial', day(10)]]);
    await batch(user.id, [['duel', day(12)]]);
    // Late duels: 9 and 10 June (before the tutorial, 10 June 12:00), 11 June (after). The quest is
    // replayed (9–11 June lie before the streak's last day); counted against today's state, 9–12 June
    // would have been four days in a row and a completion.
    await batch(user.id, [
      ['duel', day(9)],
      ['duel', day(10, 9)],
      ['duel', day(11)],
    ]);
    assert.deepEqual(await state(user.id, 'duels'), { progress: 2, completions: 0, streak_current: 2 });
  });

  test('a prerequisite completed earlier by a backfill unlocks the dependent’s refused events after it (later transaction)', async () => {
    const user = h.auth.addUser();
    await batch(user.id, [
      ['checkin', day(5)],
      ['raid', day(6)],
    ]);
    await batch(user.id, [['raid', day(3)]]); // before the check-in of the 5th: refused
    assert.deepEqual(await state(user.id, 'raid'), { progress: 1, completions: 0, streak_current: 0 });

    // A check-in on the 2nd, backfilled: check-in was first completed on the 2nd, so the raid of the 3rd counts.
    await batch(user.id, [['checkin', day(2)]]);
    assert.deepEqual(await completedAt(user.id, 'checkin'), [day(2), day(5)], 'the new completion carries the day it was earned');
    assert.deepEqual(await state(user.id, 'raid'), { progress: 0, completions: 1, streak_current: 0 });
    assert.deepEqual(await completedAt(user.id, 'raid'), [day(6)], 'the second raid (the 6th) completed it');
  });

  test('within one batch: raids refused while the check-in waited for its replay count once the replay moves it earlier', async () => {
    const user = h.auth.addUser();
    await batch(user.id, [['checkin', day(5)]]);
    await batch(user.id, [
      ['checkin', day(2)],
      ['raid', day(3)],
      ['raid', day(4)],
    ]);
    assert.deepEqual(await completedAt(user.id, 'raid'), [day(4)]);
    assert.deepEqual(await state(user.id, 'raid'), { progress: 0, completions: 1, streak_current: 0 });
  });

  test('known limit: an event refused in an earlier request, while the user had no state for the quest, is not revisited', async () => {
    const user = h.auth.addUser();
    await batch(user.id, [
      ['raid', day(3)], // refused: no check-in yet; no raid state is written
      ['checkin', day(5)],
    ]);
    await batch(user.id, [['checkin', day(2)]]);
    assert.equal(await state(user.id, 'raid'), null);
    // The dependent's counter starts with its first counted event, as for any quest.
    await batch(user.id, [['raid', day(7)]]);
    assert.deepEqual(await state(user.id, 'raid'), { progress: 1, completions: 0, streak_current: 0 });
  });
});
