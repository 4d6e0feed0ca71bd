/**
 * The catalog as product teams use it, end to end: a quest an admin publishes reaches players'
 * quest lists through progress's change-feed copy within seconds (default poll interval), an
 * archived one disappears (unless the user still has a reward to claim on it, which stays claimable
 * and is paid once), an edit makes a new version without touching what users earned, and progress
 * keeps working on its last copy while the catalog is down, across a restart of progress too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, eventually, startTestStack, type ApiCall, type TestStack } from '@questline/testkit';
import { declarePlayerReportable } from './event-types-support.js';

const GOLD_REWARD = '5e0d0000-0000-4000-8000-000000000001';
const CATALOG_POLL_MS = 2000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let stack: TestStack;
let api: ApiCall;
let admin: string;
let player: { id: string; token: string };

async function myQuest(key: string) {
  const res = await api('GET', '/api/v1/me/quests', { token: player.token });
  assert.equal(res.status, 200);
  return res.body.items.find((i: { quest: { key: string } }) => i.quest.key === key) as Record<string, any> | undefined;
}

before(async () => {
  // Progress polls the catalog at its default interval (2 s), as in production.
  stack = await startTestStack({ name: 'catalog', extraEnv: { progress: { CATALOG_POLL_MS: String(CATALOG_POLL_MS) } } });
  api = apiClient(stack.gateway);
  admin = (await api('POST', '/api/v1/auth/login', { body: stack.admin })).body.accessToken;
  const signup = await api('POST', '/api/v1/auth/signup', { body: { username: 'quester', password: 'a-good-password' } });
  const login = await api('POST', '/api/v1/auth/login', { body: { username: 'quester', password: 'a-good-password' } });
  player = { id: signup.body.user.id, token: login.body.accessToken };
  // Players report only declared types; declared before the quests are published, so progress has
  // the declarations by the time it shows a quest.
  await declarePlayerReportable(api, admin, ['gem.collected', 'relic.found', 'tap']);
});

after(async () => {
  await stack?.close();
});

describe('quest lifecycle across catalog and progress', () => {
  test('a published quest appears in /me/quests within 5 s; progress counts toward it; archiving hides it', async () => {
    const create = await api('POST', '/api/v1/admin/quests', {
      token: admin,
      body: {
        key: 'collect-gems',
        name: 'Collect gems',
        description: 'Pick up 5 red gems',
        tags: ['collect'],
        objective: { event: 'gem.collected', mode: 'count', target: 5, filter: { color: 'red' } },
        rewardId: GOLD_REWARD,
        autoClaim: true,
      },
    });
    assert.equal(create.status, 201, JSON.stringify(create.body));
    assert.equal(create.body.quest.status, 'draft');
    assert.equal((await api('GET', '/api/v1/quests/collect-gems')).status, 404, 'drafts are invisible to players');

    const publish = await api('POST', '/api/v1/admin/quests/collect-gems/publish', { token: admin });
    assert.equal(publish.status, 200);
    const t0 = Date.now();
    await eventually(() => myQuest('collect-gems'), 5000, 'the published quest in /me/quests within 5 s');
    assert.ok(Date.now() - t0 <= 5000);

    for (const color of ['red', 'blue', 'red']) {
      const ev = await api('POST', '/api/v1/events', { token: player.token, body: { type: 'gem.collected', attributes: { color } } });
      assert.equal(ev.status, 200, JSON.stringify(ev.body));
    }
    const view = await myQuest('collect-gems');
    assert.equal(view?.progress, 2, 'only red gems match the filter');
    assert.equal(view?.target, 5);

    // An edit of the published quest: new version, what the user earned stays.
    const edit = await api('PUT', '/api/v1/admin/quests/collect-gems', {
      token: admin,
      body: {
        name: 'Collect red gems',
        description: 'Pick up 6 red gems',
        tags: ['collect'],
        objective: { event: 'gem.collected', mode: 'count', target: 6, filter: { color: 'red' } },
        rewardId: GOLD_REWARD,
        autoClaim: true,
      },
    });
    assert.equal(edit.status, 200, JSON.stringify(edit.body));
    assert.equal(edit.body.quest.version, 2);
    assert.equal(edit.body.quest.status, 'published');
    const edited = await eventually(async () => {
      const q = await myQuest('collect-gems');
      return q?.target === 6 ? q : undefined;
    }, 5000, 'the new version in progress');
    assert.equal(edited.progress, 2, 'earned progress is not rewritten by an edit');
    assert.equal(edited.quest.name, 'Collect red gems');

    const archive = await api('POST', '/api/v1/admin/quests/collect-gems/archive', { token: admin });
    assert.equal(archive.status, 200);
    await eventually(async () => !(await myQuest('collect-gems')), 5000, 'the archived quest gone from /me/quests');
    const ignored = await api('POST', '/api/v1/events', { token: player.token, body: { type: 'gem.collected', attributes: { color: 'red' } } });
    assert.equal(ignored.status, 200);
    assert.deepEqual(ignored.body.updates, [], 'archived quests are not evaluated');
    assert.equal((await api('GET', '/api/v1/quests/collect-gems')).status, 404);
    assert.equal((await api('DELETE', '/api/v1/admin/quests/collect-gems', { token: admin })).body.error.code, 'QUEST_NOT_DRAFT');
  });

  test('every admin change is in the audit log with who made it', async () => {
    const audit = await api('GET', '/api/v1/admin/audit?limit=200', { token: admin });
    assert.equal(audit.status, 200);
    const ofGems = audit.body.items.filter((e: { entityKey?: string }) => e.entityKey === 'collect-gems');
    assert.ok(ofGems.length >= 4, JSON.stringify(audit.body.items.slice(0, 3)));
    const adminId = (await api('GET', '/api/v1/me', { token: admin })).body.user.id;
    assert.ok(ofGems.every((e: { actorId: string }) => e.actorId === `user:${adminId}`));
  });

  test('a manual-claim reward earned before an archive stays claimable and is paid exactly once', async () => {
    const create = await api('POST', '/api/v1/admin/quests', {
      token: admin,
      body: {
        key: 'find-relic',
        name: 'Find a relic',
        description: 'Dig one up',
        tags: ['explore'],
        objective: { event: 'relic.found', mode: 'count', target: 1 },
        rewardId: GOLD_REWARD,
        autoClaim: false,
        repeat: 'daily',
      },
    });
    assert.equal(create.status, 201, JSON.stringify(create.body));
    assert.equal((await api('POST', '/api/v1/admin/quests/find-relic/publish', { token: admin })).status, 200);
    await eventually(() => myQuest('find-relic'), 5000, 'the published quest in /me/quests');
    const found = await api('POST', '/api/v1/events', { token: player.token, body: { type: 'relic.found' } });
    assert.equal(found.status, 200, JSON.stringify(found.body));
    assert.equal((await myQuest('find-relic'))?.status, 'claimable');

    assert.equal((await api('POST', '/api/v1/admin/quests/find-relic/archive', { token: admin })).status, 200);
    // A published daily quest shows its period end; the archived one has no period any more.
    const archived = await eventually(async () => {
      const q = await myQuest('find-relic');
      return q?.periodEndsAt === null ? q : undefined;
    }, 5000, 'progress to see the archive');
    assert.deepEqual(
      archived,
      {
        quest: { key: 'find-relic', name: 'Find a relic', description: 'Dig one up', tags: ['explore'] },
        status: 'claimable',
        progress: 0,
        target: 1,
        completions: 1,
        maxCompletions: null,
        streak: null,
        periodEndsAt: null,
        claimable: 1,
        // An archived quest keeps only its display fields: what it asked and paid is gone.
        objective: null,
        reward: null,
        lockedBy: [],
        startsAt: null,
        endsAt: null,
        reportable: false,
      },
    );

    const claim = await api('POST', '/api/v1/me/quests/find-relic/claim', { token: player.token });
    assert.equal(claim.status, 200, JSON.stringify(claim.body));
    assert.deepEqual(claim.body.rewarded.items, [{ currency: 'gold', amount: 10 }]);
    const again = await api('POST', '/api/v1/me/quests/find-relic/claim', { token: player.token });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'NOTHING_TO_CLAIM');
    const ledgerOf = async () => {
      const ledger = await api('GET', '/api/v1/me/ledger?limit=200', { token: player.token });
      return ledger.body.items.filter((e: { source: { questKey?: string } }) => e.source.questKey === 'find-relic');
    };
    await eventually(async () => (await ledgerOf()).length > 0, 10_000, 'the payment in the ledger');
    assert.equal(await myQuest('find-relic'), undefined, 'claimed: the archived quest is no longer listed');
    const unknown = await api('POST', '/api/v1/me/quests/no-such-quest/claim', { token: player.token });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'NOT_FOUND');
    assert.equal((await ledgerOf()).length, 1, 'paid exactly once');
  });

  test('with the catalog down, progress keeps working on its last copy, across its own restart', async () => {
    const create = await api('POST', '/api/v1/admin/quests', {
      token: admin,
      body: { key: 'tap-ten', name: 'Tap ten times', objective: { event: 'tap', mode: 'count', target: 10 }, rewardId: GOLD_REWARD, autoClaim: true },
    });
    assert.equal(create.status, 201, JSON.stringify(create.body));
    assert.equal((await api('POST', '/api/v1/admin/quests/tap-ten/publish', { token: admin })).status, 200);
    await eventually(() => myQuest('tap-ten'), 5000, 'the published quest in /me/quests');
    const tap = async (expected: number) => {
      const res = await api('POST', '/api/v1/events', { token: player.token, body: { type: 'tap' } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(
        res.body.updates.map((u: { questKey: string; progress: number }) => [u.questKey, u.progress]),
        [['tap-ten', expected]],
      );
      assert.equal((await myQuest('tap-ten'))?.progress, expected);
    };

    assert.equal(await stack.services.catalog.stop(), 0);
    assertUnavailable(await api('GET', '/api/v1/quests'));
    // Let progress's polls fail at least twice first (its copy must outlive failed refreshes, not
    // merely the moment before the first one).
    await sleep(CATALOG_POLL_MS * 2 + 1000);
    // login is server-only (auth emits it): sent here as a server would, naming the player.
    const ev = await api('POST', '/api/v1/events', { token: admin, body: { type: 'login', userId: player.id } });
    assert.equal(ev.status, 200, JSON.stringify(ev.body));
    assert.ok(ev.body.updates.some((u: { questKey: string }) => u.questKey === 'sign-in-three-times'));
    assert.ok(await myQuest('daily-login'));

    await tap(1);

    // A restarted progress starts from the copy stored in its database: ready (restart waits for
    // /readyz) and applying events although the catalog is still down.
    await stack.services.progress.stop();
    await stack.restart('progress');
    await tap(2);

    await stack.restart('catalog');
    assert.equal((await api('GET', '/api/v1/quests')).status, 200);
  });
});

function assertUnavailable(res: { status: number; body: any }) {
  assert.equal(res.status, 503);
  assert.equal(res.body.error.code, 'UPSTREAM_UNAVAILABLE');
}
