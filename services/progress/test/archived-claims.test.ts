/**
 * A payment is never lost to an archive: completions earned on a manual-claim quest stay visible
 * (status `claimable`) and claimable after the quest leaves the published set, are paid exactly
 * once, and the archived quest is never evaluated against new events.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InternalUser, PublishedQuest, RetiredQuest } from '@questline/contracts';
import { questGrantKey } from '@questline/contracts';
import { startHarness, type Harness } from './support/harness.js';
import { dailyLogin, quest, tenDiamond } from './support/quests.js';

const relic = quest({
  key: 'relic-hunt',
  name: 'Relic hunt',
  description: 'Find a relic',
  tags: ['explore'],
  objective: { event: 'relic', mode: 'count', target: 1 },
  autoClaim: false,
  maxCompletions: 3,
  reward: tenDiamond,
});
// Dropped from the feed without a `retired` entry (as an older catalog would): claimable, not listed.
const vanished = quest({ key: 'vanished', objective: { event: 'vanish', mode: 'count', target: 1 } });

function retiredOf(q: PublishedQuest): RetiredQuest {
  return {
    key: q.key,
    name: q.name,
    description: q.description,
    tags: q.tags,
    version: q.version,
    mode: q.objective.mode,
    target: q.objective.target,
    maxCompletions: q.maxCompletions,
  };
}

describe('claims of quests that are no longer published', () => {
  let h: Harness;
  let player: InternalUser;
  let bystander: InternalUser;
  let admin: InternalUser;
  const headers = async (user: InternalUser) => ({ authorization: `Bearer ${await h.auth.token(user)}` });
  const event = async (user: InternalUser, type: string) =>
    h.app.inject({ method: 'POST', url: '/api/v1/events', headers: await headers(user), payload: { type } });
  const claim = async (user: InternalUser, key: string) =>
    h.app.inject({ method: 'POST', url: `/api/v1/me/quests/${key}/claim`, headers: await headers(user) });
  const myQuests = async (user: InternalUser) => {
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/me/quests', headers: await headers(user) });
    assert.equal(res.statusCode, 200, res.body);
    return res.json().items as Array<Record<string, any>>;
  };
  const grantsOf = (user: InternalUser, key: string) =>
    h.auth.grantCalls.filter((c) => c.body.userId === user.id && c.body.idempotencyKey.startsWith(`quest:${user.id}:${key}:`) && c.status < 300);

  before(async () => {
    h = await startHarness('progress_archived', [dailyLogin, relic, vanished]);
    player = h.auth.addUser();
    bystander = h.auth.addUser();
    admin = h.auth.addUser({ role: 'admin' });

    for (const type of ['relic', 'vanish']) {
      const res = await event(player, type);
      assert.equal(res.statusCode, 200, res.body);
    }
    assert.equal((await myQuests(player)).find((i) => i.quest.key === 'relic-hunt')?.status, 'claimable');

    // The catalog archives both; only relic-hunt comes back with its display fields.
    h.catalog.setQuests([dailyLogin], [retiredOf(relic)]);
    const snapshot = await h.ctx.catalog.refresh();
    assert.equal(snapshot?.byKey.has('relic-hunt'), false);
  });
  after(async () => {
    await h.close();
  });

  test('an archived quest is never evaluated', async () => {
    const res = await event(player, 'relic');
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().updates, []);
    const [row] = await h.sql<{ completions: number }>('SELECT completions FROM user_quests WHERE user_id = $1 AND quest_key = $2', [player.id, 'relic-hunt']);
    assert.equal(row?.completions, 1);
  });

  test('the archived quest with an unclaimed completion is still listed as claimable', async () => {
    const expected = {
      quest: { key: 'relic-hunt', name: 'Relic hunt', description: 'Find a relic', tags: ['explore'] },
      status: 'claimable',
      progress: 0,
      target: 1,
      completions: 1,
      maxCompletions: 3,
      streak: null,
      periodEndsAt: null,
      claimable: 1,
      // The catalog keeps only an archived quest's display fields: what it asked and paid is gone.
      objective: null,
      reward: null,
      lockedBy: [],
      startsAt: null,
      endsAt: null,
      reportable: false,
    };
    assert.deepEqual((await myQuests(player)).find((i) => i.quest.key === 'relic-hunt'), expected);
    const adminView = await h.app.inject({ method: 'GET', url: `/api/v1/admin/users/${player.id}/quests`, headers: await headers(admin) });
    assert.equal(adminView.statusCode, 200);
    assert.deepEqual(adminView.json().items.find((i: { quest: { key: string } }) => i.quest.key === 'relic-hunt'), expected);
    // Without display fields a quest cannot be shown; nobody else sees archived quests at all.
    assert.equal((await myQuests(player)).find((i) => i.quest.key === 'vanished'), undefined);
    assert.deepEqual((await myQuests(bystander)).map((i) => i.quest.key), ['daily-login']);
  });

  test('the claim pays exactly once; a second claim is 409; then the quest is no longer listed', async () => {
    const claims = await Promise.all([claim(player, 'relic-hunt'), claim(player, 'relic-hunt')]);
    const paid = claims.filter((c) => c.statusCode === 200);
    assert.equal(paid.length, 1, claims.map((c) => c.body).join(' | '));
    assert.deepEqual(paid[0]!.json(), { rewarded: { items: [{ currency: 'diamond', amount: 10 }], xp: 0, badge: null } });
    const refused = claims.find((c) => c.statusCode !== 200)!;
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().error.code, 'NOTHING_TO_CLAIM');

    await h.drainOutbox();
    assert.equal(grantsOf(player, 'relic-hunt').length, 1, 'one ledger entry in auth');
    assert.equal(h.auth.successfulGrants(questGrantKey(player.id, 'relic-hunt', 1)).length, 1);

    const again = await claim(player, 'relic-hunt');
    assert.equal(again.statusCode, 409, 'the user had state on it: nothing (left) to claim');
    assert.equal(again.json().error.code, 'NOTHING_TO_CLAIM');
    assert.equal((await myQuests(player)).find((i) => i.quest.key === 'relic-hunt'), undefined);
    await h.drainOutbox();
    assert.equal(grantsOf(player, 'relic-hunt').length, 1);
  });

  test('a quest gone from the catalog copy altogether is still paid from its stored completion', async () => {
    const res = await claim(player, 'vanished');
    assert.equal(res.statusCode, 200, res.body);
    await h.drainOutbox();
    assert.equal(grantsOf(player, 'vanished').length, 1);
  });

  test('unknown key, or an archived one the user never had state on → 404; published with nothing → 409', async () => {
    for (const key of ['no-such-quest', 'relic-hunt']) {
      const res = await claim(bystander, key);
      assert.equal(res.statusCode, 404, key);
      assert.deepEqual(Object.keys(res.json().error).sort(), ['code', 'message', 'requestId']);
      assert.equal(res.json().error.code, 'NOT_FOUND');
    }
    const published = await claim(bystander, 'daily-login');
    assert.equal(published.statusCode, 409);
    assert.equal(published.json().error.code, 'NOTHING_TO_CLAIM');
  });
});
