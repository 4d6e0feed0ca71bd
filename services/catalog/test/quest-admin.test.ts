import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIAMOND_REWARD_ID, GOLD_REWARD_ID, bearer, questBody, startCatalog, type Harness } from './helpers.js';

let h: Harness;
before(async () => {
  h = await startCatalog('catalog_quest_admin');
});
after(async () => {
  await h.close();
});

const admin = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
  h.app.inject({ method, url, headers: bearer(h.adminToken), ...(payload === undefined ? {} : { payload: payload as object }) });
const create = (body: Record<string, unknown>) => admin('POST', '/api/v1/admin/quests', body);
const publicGet = (key: string) => h.app.inject({ method: 'GET', url: `/api/v1/quests/${key}` });

function assertError(res: { statusCode: number; json(): any }, status: number, code: string, field?: string) {
  assert.equal(res.statusCode, status, JSON.stringify(res.json()));
  assert.equal(res.json().error.code, code);
  if (field !== undefined) assert.equal(res.json().error.field, field);
}

describe('quest lifecycle', () => {
  test('create → draft invisible → publish → visible → archive → invisible → re-publish', async () => {
    const created = await create(questBody('lifecycle', { description: 'd', tags: ['pvp'] }));
    assert.equal(created.statusCode, 201);
    const quest = created.json().quest;
    assert.equal(quest.status, 'draft');
    assert.equal(quest.version, 1);
    assert.equal(quest.key, 'lifecycle');
    assert.equal(quest.autoClaim, false);
    assert.equal(quest.maxCompletions, null);
    assert.equal(quest.repeat, 'none');
    assert.deepEqual(quest.prerequisites, []);
    assert.equal(quest.startsAt, null);
    assert.equal(quest.endsAt, null);

    assert.equal((await publicGet('lifecycle')).statusCode, 404);
    const publishedList = async () => (await h.app.inject({ url: '/api/v1/quests' })).json().items.map((q: { key: string }) => q.key);
    assert.ok(!(await publishedList()).includes('lifecycle'));

    const published = await admin('POST', '/api/v1/admin/quests/lifecycle/publish');
    assert.equal(published.statusCode, 200);
    assert.equal(published.json().quest.status, 'published');
    assert.equal((await publicGet('lifecycle')).statusCode, 200);
    assert.ok((await publishedList()).includes('lifecycle'));

    const again = await admin('POST', '/api/v1/admin/quests/lifecycle/publish');
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().quest.status, 'published');

    const archived = await admin('POST', '/api/v1/admin/quests/lifecycle/archive');
    assert.equal(archived.json().quest.status, 'archived');
    assert.equal((await publicGet('lifecycle')).statusCode, 404);
    assert.ok(!(await publishedList()).includes('lifecycle'));

    const republished = await admin('POST', '/api/v1/admin/quests/lifecycle/publish');
    assert.equal(republished.json().quest.status, 'published');
    assert.equal((await publicGet('lifecycle')).statusCode, 200);
  });

  test('publish and archive of an unknown key are 404', async () => {
    assertError(await admin('POST', '/api/v1/admin/quests/nope/publish'), 404, 'NOT_FOUND');
    assertError(await admin('POST', '/api/v1/admin/quests/nope/archive'), 404, 'NOT_FOUND');
    assertError(await admin('POST', '/api/v1/admin/quests/BAD_KEY/publish'), 404, 'NOT_FOUND');
  });

  test('the admin list shows every status and filters by status', async () => {
    await create(questBody('list-draft'));
    const all = (await admin('GET', '/api/v1/admin/quests?limit=200')).json().items;
    const statuses = new Set(all.map((q: { status: string }) => q.status));
    assert.ok(statuses.has('draft') && statuses.has('published'));
    const drafts = (await admin('GET', '/api/v1/admin/quests?status=draft')).json().items;
    assert.ok(drafts.length > 0 && drafts.every((q: { status: string }) => q.status === 'draft'));
    assert.ok(drafts.some((q: { key: string }) => q.key === 'list-draft'));
    assertError(await admin('GET', '/api/v1/admin/quests?status=gone'), 400, 'VALIDATION_FAILED', 'status');
    const page = (await admin('GET', '/api/v1/admin/quests?limit=1')).json();
    assert.equal(page.items.length, 1);
    assert.ok(page.nextCursor);
  });
});

describe('editing', () => {
  test('editing a published quest bumps its version; an identical PUT changes nothing', async () => {
    await create(questBody('editable'));
    await admin('POST', '/api/v1/admin/quests/editable/publish');
    const edited = await admin('PUT', '/api/v1/admin/quests/editable', questBody('editable', { name: 'Renamed', rewardId: DIAMOND_REWARD_ID }));
    assert.equal(edited.statusCode, 200);
    const quest = edited.json().quest;
    assert.equal(quest.version, 2);
    assert.equal(quest.name, 'Renamed');
    assert.equal(quest.rewardId, DIAMOND_REWARD_ID);
    assert.equal(quest.status, 'published');

    const same = await admin('PUT', '/api/v1/admin/quests/editable', questBody('editable', { name: 'Renamed', rewardId: DIAMOND_REWARD_ID }));
    assert.equal(same.json().quest.version, 2);

    // The key may be left out of a PUT body.
    const { key: _key, ...withoutKey } = questBody('editable', { name: 'Third' });
    const third = await admin('PUT', '/api/v1/admin/quests/editable', withoutKey);
    assert.equal(third.json().quest.version, 3);
    assert.equal((await publicGet('editable')).json().quest.version, 3);
  });

  test('editing a draft keeps version 1 and is a full replacement', async () => {
    await create(questBody('draft-edit', { tags: ['pvp'], autoClaim: true }));
    const res = await admin('PUT', '/api/v1/admin/quests/draft-edit', questBody('draft-edit', { name: 'New name' }));
    assert.equal(res.statusCode, 200);
    const quest = res.json().quest;
    assert.equal(quest.version, 1);
    assert.equal(quest.name, 'New name');
    assert.deepEqual(quest.tags, []);
    assert.equal(quest.autoClaim, false);
  });

  test('PUT of an unknown quest is 404; a body key different from the path is 400', async () => {
    assertError(await admin('PUT', '/api/v1/admin/quests/missing', questBody('missing')), 404, 'NOT_FOUND');
    await create(questBody('keyed'));
    assertError(await admin('PUT', '/api/v1/admin/quests/keyed', questBody('other-key')), 400, 'VALIDATION_FAILED', 'key');
  });

  test('stores schedules as UTC instants', async () => {
    const res = await create(questBody('scheduled', { startsAt: '2030-06-01T12:00:00+02:00', endsAt: '2030-07-01T00:00:00Z' }));
    assert.equal(res.statusCode, 201);
    assert.equal(res.json().quest.startsAt, '2030-06-01T10:00:00.000Z');
    assert.equal(res.json().quest.endsAt, '2030-07-01T00:00:00.000Z');
  });
});

describe('validation', () => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['key not a slug', questBody('Bad_Key'), 'VALIDATION_FAILED', 'key'],
    ['key with a trailing dash', questBody('bad-'), 'VALIDATION_FAILED', 'key'],
    ['key too long', questBody('k'.repeat(65)), 'VALIDATION_FAILED', 'key'],
    ['missing name', (() => { const { name: _n, ...b } = questBody('no-name'); return b; })(), 'VALIDATION_FAILED', 'name'],
    ['missing objective', (() => { const { objective: _o, ...b } = questBody('no-obj'); return b; })(), 'VALIDATION_FAILED', 'objective'],
    ['missing rewardId', (() => { const { rewardId: _r, ...b } = questBody('no-reward'); return b; })(), 'VALIDATION_FAILED', 'rewardId'],
    ['unknown field', questBody('extra', { color: 'red' }), 'VALIDATION_FAILED', 'color'],
    ['target 0', questBody('t0', { objective: { event: 'x', mode: 'count', target: 0 } }), 'VALIDATION_FAILED', 'objective.target'],
    ['negative target', questBody('tneg', { objective: { event: 'x', mode: 'count', target: -1 } }), 'VALIDATION_FAILED', 'objective.target'],
    ['string target (no coercion)', questBody('tstr', { objective: { event: 'x', mode: 'count', target: '3' } }), 'VALIDATION_FAILED', 'objective.target'],
    ['unknown mode', questBody('mode', { objective: { event: 'x', mode: 'max', target: 1 } }), 'VALIDATION_FAILED', 'objective.mode'],
    ['endsAt before startsAt', questBody('sched', { startsAt: '2030-02-01T00:00:00Z', endsAt: '2030-01-01T00:00:00Z' }), 'VALIDATION_FAILED', 'endsAt'],
    ['startsAt not a date-time', questBody('sched2', { startsAt: 'tomorrow' }), 'VALIDATION_FAILED', 'startsAt'],
    ['streak repeating daily', questBody('streaky', { objective: { event: 'login', mode: 'streak', target: 3 }, repeat: 'daily' }), 'VALIDATION_FAILED', 'repeat'],
    ['maxCompletions 0', questBody('max0', { maxCompletions: 0 }), 'VALIDATION_FAILED', 'maxCompletions'],
    ['huge name', questBody('huge', { name: 'n'.repeat(10_000) }), 'VALIDATION_FAILED', 'name'],
    ['NUL in name', questBody('nul', { name: 'a\u0000b' }), 'VALIDATION_FAILED', 'name'],
    ['rewardId not a uuid', questBody('bad-uuid', { rewardId: 'gold' }), 'VALIDATION_FAILED', 'rewardId'],
    ['unknown rewardId', questBody('no-such-reward', { rewardId: '00000000-0000-4000-8000-00000000dead' }), 'UNKNOWN_REWARD', 'rewardId'],
    ['unknown prerequisite', questBody('prereq-unknown', { prerequisites: ['daily-login', 'ghost'] }), 'UNKNOWN_PREREQUISITE', 'prerequisites'],
    ['self prerequisite', questBody('selfish', { prerequisites: ['selfish'] }), 'PREREQUISITE_CYCLE', 'prerequisites'],
  ];
  for (const [name, body, code, field] of cases) {
    test(`${name} → 400 ${code}`, async () => {
      assertError(await create(body), 400, code, field);
    });
  }

  test('nothing was created by the rejected requests', async () => {
    const keys = (await admin('GET', '/api/v1/admin/quests?limit=200')).json().items.map((q: { key: string }) => q.key);
    for (const key of ['no-such-reward', 'prereq-unknown', 'selfish', 'streaky', 'sched']) assert.ok(!keys.includes(key), key);
  });

  test('a prerequisite cycle through an edit is refused', async () => {
    assert.equal((await create(questBody('chain-a'))).statusCode, 201);
    assert.equal((await create(questBody('chain-b', { prerequisites: ['chain-a'] }))).statusCode, 201);
    assert.equal((await create(questBody('chain-c', { prerequisites: ['chain-b'] }))).statusCode, 201);
    const res = await admin('PUT', '/api/v1/admin/quests/chain-a', questBody('chain-a', { prerequisites: ['chain-c'] }));
    assertError(res, 400, 'PREREQUISITE_CYCLE', 'prerequisites');
    const selfEdit = await admin('PUT', '/api/v1/admin/quests/chain-a', questBody('chain-a', { prerequisites: ['chain-a'] }));
    assertError(selfEdit, 400, 'PREREQUISITE_CYCLE', 'prerequisites');
  });

  test('a valid prerequisite on an existing quest is accepted', async () => {
    const res = await create(questBody('after-daily', { prerequisites: ['daily-login'] }));
    assert.equal(res.statusCode, 201);
    assert.deepEqual(res.json().quest.prerequisites, ['daily-login']);
  });
});

describe('publishing after prerequisites', () => {
  test('a quest cannot be published ahead of a draft prerequisite; once that is published it can', async () => {
    assert.equal((await create(questBody('first-steps'))).statusCode, 201);
    assert.equal((await create(questBody('next-steps', { prerequisites: ['first-steps', 'daily-login'] }))).statusCode, 201);
    assertError(await admin('POST', '/api/v1/admin/quests/next-steps/publish'), 409, 'PREREQUISITE_NOT_PUBLISHED', 'prerequisites');
    assert.equal((await admin('GET', '/api/v1/quests/next-steps')).json().quest.status, 'draft', 'nothing changed');
    assert.equal((await admin('POST', '/api/v1/admin/quests/first-steps/publish')).statusCode, 200);
    const published = await admin('POST', '/api/v1/admin/quests/next-steps/publish');
    assert.equal(published.statusCode, 200);
    assert.equal(published.json().quest.status, 'published');
  });

  test('an edit of a published quest cannot add a draft prerequisite; an archived one is allowed', async () => {
    assert.equal((await create(questBody('live-quest'))).statusCode, 201);
    assert.equal((await admin('POST', '/api/v1/admin/quests/live-quest/publish')).statusCode, 200);
    assert.equal((await create(questBody('still-draft'))).statusCode, 201);
    const res = await admin('PUT', '/api/v1/admin/quests/live-quest', questBody('live-quest', { prerequisites: ['still-draft'] }));
    assertError(res, 409, 'PREREQUISITE_NOT_PUBLISHED', 'prerequisites');
    assert.equal((await admin('GET', '/api/v1/quests/live-quest')).json().quest.version, 1, 'no new version');

    assert.equal((await create(questBody('retired-one'))).statusCode, 201);
    assert.equal((await admin('POST', '/api/v1/admin/quests/retired-one/publish')).statusCode, 200);
    assert.equal((await admin('POST', '/api/v1/admin/quests/retired-one/archive')).statusCode, 200);
    const ok = await admin('PUT', '/api/v1/admin/quests/live-quest', questBody('live-quest', { prerequisites: ['retired-one'] }));
    assert.equal(ok.statusCode, 200, JSON.stringify(ok.json()));
    // A draft may still name a draft: it is not live yet.
    assert.equal((await admin('PUT', '/api/v1/admin/quests/still-draft', questBody('still-draft', { prerequisites: ['first-steps'] }))).statusCode, 200);
  });
});

describe('conflicts and deletion', () => {
  test('a taken key is 409 QUEST_KEY_TAKEN, also under concurrent creates', async () => {
    assertError(await create(questBody('daily-login')), 409, 'QUEST_KEY_TAKEN', 'key');
    const results = await Promise.all(Array.from({ length: 5 }, () => create(questBody('racy'))));
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [201, 409, 409, 409, 409]);
  });

  test('only drafts can be deleted', async () => {
    await create(questBody('to-delete'));
    const deleted = await admin('DELETE', '/api/v1/admin/quests/to-delete');
    assert.equal(deleted.statusCode, 204);
    assert.equal(deleted.body, '');
    assertError(await admin('DELETE', '/api/v1/admin/quests/to-delete'), 404, 'NOT_FOUND');

    assertError(await admin('DELETE', '/api/v1/admin/quests/daily-login'), 409, 'QUEST_NOT_DRAFT');
    await create(questBody('archived-one'));
    await admin('POST', '/api/v1/admin/quests/archived-one/publish');
    await admin('POST', '/api/v1/admin/quests/archived-one/archive');
    assertError(await admin('DELETE', '/api/v1/admin/quests/archived-one'), 409, 'QUEST_NOT_DRAFT');
  });

  test('a draft still required by another quest cannot be deleted', async () => {
    await create(questBody('needed'));
    await create(questBody('needs-it', { prerequisites: ['needed'] }));
    assertError(await admin('DELETE', '/api/v1/admin/quests/needed'), 409, 'QUEST_IN_USE');
    assert.equal((await admin('DELETE', '/api/v1/admin/quests/needs-it')).statusCode, 204);
    assert.equal((await admin('DELETE', '/api/v1/admin/quests/needed')).statusCode, 204);
    const audit = (await admin('GET', '/api/v1/admin/audit?entity=quest&entityKey=needs-it')).json().items;
    assert.deepEqual(audit.map((e: { action: string }) => e.action), ['quest.delete', 'quest.create']);
  });

  test('every admin write left an audit row, newest first', async () => {
    const res = await admin('GET', '/api/v1/admin/audit?limit=200&entity=quest&entityKey=lifecycle');
    assert.equal(res.statusCode, 200);
    const actions = res.json().items.map((e: { action: string }) => e.action);
    assert.deepEqual(actions, ['quest.publish', 'quest.archive', 'quest.publish', 'quest.create']);
    const entry = res.json().items[0];
    assert.equal(entry.actorId, `user:${h.adminId}`);
    assert.equal(entry.entity, 'quest');
    assert.match(entry.at, /Z$/);
    const page1 = (await admin('GET', '/api/v1/admin/audit?limit=2')).json();
    assert.equal(page1.items.length, 2);
    const page2 = (await admin('GET', `/api/v1/admin/audit?limit=2&cursor=${page1.nextCursor}`)).json();
    assert.ok(page2.items[0].id < page1.items[1].id);
  });

  test('seeded rewards stay referenced', async () => {
    assertError(await admin('DELETE', `/api/v1/admin/rewards/${GOLD_REWARD_ID}`), 409, 'REWARD_IN_USE');
  });
});
