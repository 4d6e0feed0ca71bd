import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PublishedQuest } from '@questline/contracts';
import { statesReadByEvent } from '../src/domain/prerequisites.js';
import { startHarness, type Harness } from './support/harness.js';
import { quest } from './support/quests.js';
import { applyEvents } from '../src/use-cases/apply-events.use-case.js';
import { requireCatalog } from '../src/clients/catalog-cache.js';

function byEvent(quests: PublishedQuest[]): Map<string, PublishedQuest[]> {
  const index = new Map<string, PublishedQuest[]>();
  for (const q of quests) index.set(q.objective.event, [...(index.get(q.objective.event) ?? []), q]);
  return index;
}
const sorted = (keys: readonly string[] | undefined) => [...(keys ?? [])].sort();

test('an event type reads the states of the quests listening to it, no others', () => {
  const read = statesReadByEvent(
    byEvent([
      quest({ key: 'login-1', objective: { event: 'login', mode: 'count', target: 1 } }),
      quest({ key: 'login-7', objective: { event: 'login', mode: 'count', target: 7 } }),
      quest({ key: 'spend-100', objective: { event: 'spend', mode: 'sum', target: 100 } }),
    ]),
  );
  assert.deepEqual(sorted(read.get('login')), ['login-1', 'login-7']);
  assert.deepEqual(sorted(read.get('spend')), ['spend-100']);
  assert.equal(read.get('duel'), undefined);
});

test('a type reaching a prerequisite chain reads every quest of every chain, archived prerequisites included', () => {
  const read = statesReadByEvent(
    byEvent([
      quest({ key: 'checkin', objective: { event: 'checkin', mode: 'count', target: 1 } }),
      quest({ key: 'raid', objective: { event: 'raid', mode: 'count', target: 2 }, prerequisites: ['checkin'] }),
      quest({ key: 'boss', objective: { event: 'boss', mode: 'count', target: 1 }, prerequisites: ['raid', 'retired-intro'] }),
      quest({ key: 'duel', objective: { event: 'duel', mode: 'count', target: 1 }, prerequisites: ['tutorial'] }),
      quest({ key: 'tutorial', objective: { event: 'tutorial', mode: 'count', target: 1 } }),
      quest({ key: 'spend-100', objective: { event: 'spend', mode: 'sum', target: 100 } }),
      quest({ key: 'checkin-streak', objective: { event: 'checkin', mode: 'streak', target: 3 } }),
    ]),
  );
  const chains = ['boss', 'checkin', 'duel', 'raid', 'retired-intro', 'tutorial'];
  // A prerequisite's completion may unlock a dependent of another type (replayed at once), a
  // dependent's answer shows whether it is locked: each needs the others' states.
  assert.deepEqual(sorted(read.get('checkin')), [...chains, 'checkin-streak'].sort());
  assert.deepEqual(sorted(read.get('raid')), chains);
  assert.deepEqual(sorted(read.get('tutorial')), chains);
  assert.deepEqual(sorted(read.get('spend')), ['spend-100']);
});

describe('an event reads only the states its quests need (integration)', () => {
  const checkin = quest({ key: 'checkin', objective: { event: 'checkin', mode: 'count', target: 1 } });
  const raid = quest({ key: 'raid', objective: { event: 'raid', mode: 'count', target: 2 }, prerequisites: ['checkin'] });
  const spend = quest({ key: 'spend', objective: { event: 'spend', mode: 'sum', target: 100 } });
  const logins = quest({ key: 'logins', objective: { event: 'visit', mode: 'count', target: 5 } });
  let h: Harness;

  before(async () => {
    h = await startHarness('progress_states_read', [checkin, raid, spend, logins]);
  });
  after(async () => {
    await h.close();
  });

  test('answers and stored states are those of reading every state: other types untouched, chains judged', async () => {
    const user = h.auth.addUser();
    const headers = { authorization: `Bearer ${await h.auth.token(user)}` };
    const send = async (payload: object) => {
      const res = await h.app.inject({ method: 'POST', url: '/api/v1/events', headers, payload });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { updates: Array<{ questKey: string; status: string; progress: number }>; completed: string[] };
    };
    const stored = async () =>
      new Map((await h.sql<{ quest_key: string; progress: number; completions: number }>('SELECT quest_key, progress::int, completions FROM user_quests WHERE user_id = $1', [user.id])).map((r) => [r.quest_key, [r.progress, r.completions]]));

    assert.deepEqual((await send({ type: 'spend', value: 30 })).updates, [{ questKey: 'spend', status: 'active', progress: 30, target: 100 }]);
    await send({ type: 'visit' });
    // A raid before the check-in is locked; the answer knows it without the checkin state being of its type.
    assert.deepEqual((await send({ type: 'raid' })).updates.map((u) => [u.questKey, u.status, u.progress]), [['raid', 'locked', 0]]);
    assert.deepEqual((await send({ type: 'checkin' })).completed, ['checkin']);
    await send({ type: 'raid' });
    const last = await send({ type: 'raid' });
    assert.deepEqual(last.completed, ['raid']);
    assert.deepEqual(await stored(), new Map([['spend', [30, 0]], ['logins', [1, 0]], ['checkin', [0, 1]], ['raid', [0, 1]]]));

    const list = await h.app.inject({ method: 'GET', url: '/api/v1/me/quests', headers });
    const progress = new Map((list.json().items as Array<{ quest: { key: string }; progress: number }>).map((v) => [v.quest.key, v.progress]));
    assert.deepEqual(progress, new Map([['checkin', 0], ['raid', 0], ['spend', 30], ['logins', 1]]));
  });
  // The property the feature is for, which answers alone cannot show (they are the same either way).
  test('a transaction holds only the states its events reach: a visit reads no spend state, a raid the whole chain', async () => {
    const user = h.auth.addUser();
    const apply = (type: string, id: string, occurredAt = new Date(Date.now() - 60_000)) =>
      h.ctx.db.transaction().execute((trx) => applyEvents(trx, requireCatalog(h.ctx.catalog), [{ userId: user.id, timezone: 'UTC', events: [{ id, type, value: 5, occurredAt }] }]));
    for (const [type, id] of [['spend', 's1'], ['visit', 'v1'], ['checkin', 'c1']]) await apply(type!, id!);
    assert.deepEqual([...(await apply('visit', 'v2'))[0]!.states.keys()], ['logins']);
    // After the check-in, so it counts; the check-in's state (another type) is read because raid is in its chain.
    assert.deepEqual([...(await apply('raid', 'r1', new Date()))[0]!.states.keys()].sort(), ['checkin', 'raid']);
    const stored = await h.sql<{ quest_key: string }>('SELECT quest_key FROM user_quests WHERE user_id = $1 ORDER BY quest_key', [user.id]);
    assert.deepEqual(stored.map((r) => r.quest_key), ['checkin', 'logins', 'raid', 'spend'], 'the states not read are still there');
  });
});
