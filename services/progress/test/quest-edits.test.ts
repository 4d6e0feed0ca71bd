import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InternalUser, PublishedQuest } from '@questline/contracts';
import { reportableTypesOf, startHarness, type Harness } from './support/harness.js';
import { quest, tenDiamond, tenGold } from './support/quests.js';

const v1 = quest({ key: 'edit-me', version: 1, objective: { event: 'click', mode: 'count', target: 3 }, reward: tenGold });

/** Issue 4's rule, progress side: publishing a new version of a quest never rewrites what was earned. */
describe('quest edits (integration)', () => {
  let h: Harness;
  let user: InternalUser;
  const post = async (type: string) => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${await h.auth.token(user)}` }, payload: { type } });
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  };
  const view = async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/me/quests', headers: { authorization: `Bearer ${await h.auth.token(user)}` } });
    return res.json().items.find((i: { quest: { key: string } }) => i.quest.key === 'edit-me');
  };
  const publish = async (q: PublishedQuest) => {
    h.catalog.setQuests([q], undefined, reportableTypesOf([q]));
    await h.ctx.catalog.refresh();
  };
  const row = async () =>
    (await h.sql<{ progress: number; completions: number; quest_version: number }>(
      "SELECT progress::int, completions, quest_version FROM user_quests WHERE user_id = $1 AND quest_key = 'edit-me'",
      [user.id],
    ))[0];

  before(async () => {
    h = await startHarness('progress_edits', [v1]);
    user = h.auth.addUser();
  });
  after(async () => {
    await h.close();
  });

  test('v1: four clicks → one completion, progress 1, made under version 1', async () => {
    for (let i = 0; i < 4; i++) await post('click');
    assert.deepEqual(await row(), { progress: 1, completions: 1, quest_version: 1 });
  });

  test('v2 lowers the target and changes the reward: progress is kept, the next click completes, each completion keeps its reward', async () => {
    await publish({ ...v1, version: 2, objective: { ...v1.objective, target: 2 }, reward: tenDiamond });
    const before = await view();
    assert.deepEqual([before.progress, before.target, before.completions, before.claimable], [1, 2, 1, 1]);
    assert.deepEqual((await post('click')).completed, ['edit-me']);
    assert.deepEqual(await row(), { progress: 0, completions: 2, quest_version: 2 });
    const completions = await h.sql<{ number: number; quest_version: number; reward: { items: unknown } }>(
      "SELECT number, quest_version, reward FROM completions WHERE user_id = $1 AND quest_key = 'edit-me' ORDER BY number",
      [user.id],
    );
    assert.deepEqual(
      completions.map((c) => [c.number, c.quest_version, c.reward.items]),
      [
        [1, 1, [{ currency: 'gold', amount: 10 }]],
        [2, 2, [{ currency: 'diamond', amount: 10 }]],
      ],
    );
    const claim = await h.app.inject({ method: 'POST', url: '/api/v1/me/quests/edit-me/claim', headers: { authorization: `Bearer ${await h.auth.token(user)}` } });
    assert.equal(claim.statusCode, 200, claim.body);
    assert.deepEqual(claim.json().rewarded.items, [
      { currency: 'gold', amount: 10 },
      { currency: 'diamond', amount: 10 },
    ]);
  });

  test('v3 counts another event: completions stay, the counter restarts from zero and counts only the new event', async () => {
    await post('click');
    assert.equal((await row())!.progress, 1);
    await publish({ ...v1, version: 3, objective: { event: 'tap', mode: 'count', target: 2 }, maxCompletions: 1 });
    const before = await view();
    // maxCompletions 1 < 2 completions: maxed (everything is claimed), never negative.
    assert.deepEqual([before.progress, before.completions, before.status, before.claimable], [0, 2, 'maxed', 0]);
    const tap = await post('tap');
    assert.deepEqual(tap.completed, []);
    assert.deepEqual(tap.updates, [{ questKey: 'edit-me', status: 'maxed', progress: 0, target: 2 }]);
    assert.equal((await row())!.completions, 2, 'completions are never taken back');
  });

  test('v4 raises maxCompletions again: the tap counter starts from zero under the new objective', async () => {
    await publish({ ...v1, version: 4, objective: { event: 'tap', mode: 'count', target: 2 }, maxCompletions: null });
    await post('tap');
    assert.deepEqual(await row(), { progress: 1, completions: 2, quest_version: 4 });
    assert.deepEqual((await post('tap')).completed, ['edit-me']);
    assert.deepEqual(await row(), { progress: 0, completions: 3, quest_version: 4 });
  });
});
