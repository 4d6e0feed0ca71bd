import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isUuid } from '@questline/platform';
import { injectInternal } from '@questline/testkit';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { PublishedQuestsResponse } from '@questline/contracts';
import { DIAMOND_REWARD_ID, GOLD_REWARD_ID, INTERNAL_TOKEN, bearer, questBody, startCatalog, type Harness } from './helpers.js';

// TypeBox's checker knows no formats by default; these match what the services' Ajv enforces.
FormatRegistry.Set('uuid', isUuid);
FormatRegistry.Set('date-time', (v) => !Number.isNaN(Date.parse(v)) && /T.*(Z|[+-]\d\d:\d\d)$/.test(v));

let h: Harness;
before(async () => {
  h = await startCatalog('catalog_internal');
});
after(async () => {
  await h.close();
});

const poll = (etag?: string) =>
  injectInternal(h.app, INTERNAL_TOKEN, { url: '/internal/quests', headers: etag ? { 'if-none-match': etag } : {} });
const admin = (method: 'POST' | 'PUT', url: string, payload?: object) =>
  h.app.inject({ method, url, headers: bearer(h.adminToken), ...(payload ? { payload } : {}) });

/** Polls like progress does: returns the new ETag, or the same one after a 304. */
async function revisionAfter(etag: string): Promise<{ etag: string; changed: boolean; keys: string[] }> {
  const res = await poll(etag);
  if (res.statusCode === 304) {
    assert.equal(res.body, '');
    return { etag, changed: false, keys: [] };
  }
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.equal(res.headers.etag, `"${body.revision}"`);
  return { etag: String(res.headers.etag), changed: true, keys: body.quests.map((q: { key: string }) => q.key) };
}

describe('GET /internal/quests', () => {
  test('returns the published quests with their rewards embedded, in the contract shape', async () => {
    const res = await poll();
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.ok(Value.Check(PublishedQuestsResponse, body), JSON.stringify([...Value.Errors(PublishedQuestsResponse, body)][0]));
    assert.equal(res.headers.etag, `"${body.revision}"`);
    const daily = body.quests.find((q: { key: string }) => q.key === 'daily-login');
    assert.ok(daily);
    assert.deepEqual(daily.reward, { id: GOLD_REWARD_ID, name: '10 gold', items: [{ currency: 'gold', amount: 10 }], xp: 0, badge: null });
    const streak = body.quests.find((q: { key: string }) => q.key === 'sign-in-three-times');
    assert.ok(streak);
    assert.deepEqual(streak.reward.items, [{ currency: 'diamond', amount: 10 }]);
    assert.equal(streak.maxCompletions, 2);
    assert.equal(streak.objective.mode, 'streak');
  });

  test('answers 304 with no body while nothing changed', async () => {
    const etag = String((await poll()).headers.etag);
    const res = await poll(etag);
    assert.equal(res.statusCode, 304);
    assert.equal(res.body, '');
    assert.equal(res.headers.etag, etag);
  });

  test('the revision follows every change of the published set, and only those', async () => {
    let etag = String((await poll()).headers.etag);
    const step = async (what: string, action: () => Promise<unknown>, expectChange: boolean) => {
      await action();
      const next = await revisionAfter(etag);
      assert.equal(next.changed, expectChange, what);
      etag = next.etag;
      return next;
    };

    await step('create a draft', () => admin('POST', '/api/v1/admin/quests', questBody('rev-quest')), false);
    await step('edit a draft', () => admin('PUT', '/api/v1/admin/quests/rev-quest', questBody('rev-quest', { name: 'Edited draft' })), false);
    const published = await step('publish', () => admin('POST', '/api/v1/admin/quests/rev-quest/publish'), true);
    assert.ok(published.keys.includes('rev-quest'));
    await step('publish again (no-op)', () => admin('POST', '/api/v1/admin/quests/rev-quest/publish'), false);
    await step('edit the published quest', () => admin('PUT', '/api/v1/admin/quests/rev-quest', questBody('rev-quest', { name: 'Edited live' })), true);
    await step('identical PUT', () => admin('PUT', '/api/v1/admin/quests/rev-quest', questBody('rev-quest', { name: 'Edited live' })), false);
    await step('edit a reward a published quest uses', () => admin('PUT', `/api/v1/admin/rewards/${GOLD_REWARD_ID}`, { name: '10 gold', items: [{ currency: 'gold', amount: 12 }] }), true);
    const { reward } = (await admin('POST', '/api/v1/admin/rewards', { name: 'unused', items: [{ currency: 'gold', amount: 1 }] })).json();
    await step('edit an unused reward', () => admin('PUT', `/api/v1/admin/rewards/${reward.id}`, { name: 'unused 2', items: [{ currency: 'gold', amount: 2 }] }), false);
    const archived = await step('archive', () => admin('POST', '/api/v1/admin/quests/rev-quest/archive'), true);
    assert.ok(!archived.keys.includes('rev-quest'));
    await step('create a currency', () => admin('POST', '/api/v1/admin/currencies', { code: 'ruby', name: 'Ruby' }), false);

    const latest = (await poll()).json();
    const daily = latest.quests.find((q: { key: string }) => q.key === 'daily-login');
    assert.deepEqual(daily.reward.items, [{ currency: 'gold', amount: 12 }]);
  });

  test('re-publishing an archived quest brings it back with its new version', async () => {
    const res = await admin('POST', '/api/v1/admin/quests/rev-quest/publish');
    assert.equal(res.statusCode, 200);
    const quest = (await poll()).json().quests.find((q: { key: string }) => q.key === 'rev-quest');
    assert.equal(quest.version, 2);
    assert.equal(quest.name, 'Edited live');
    assert.equal(quest.reward.id, GOLD_REWARD_ID);
    assert.notEqual(quest.reward.id, DIAMOND_REWARD_ID);
  });
});

describe('metrics', () => {
  test('counts catalog changes by action', async () => {
    const text = (await h.app.inject({ url: '/metrics' })).body;
    const value = (action: string) => {
      const line = text.split('\n').find((l) => l.startsWith('questline_catalog_changes_total{') && l.includes(`action="${action}"`));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    assert.equal(value('quest.create'), 1);
    assert.equal(value('quest.publish'), 2);
    assert.equal(value('quest.update'), 2);
    assert.equal(value('quest.archive'), 1);
    assert.equal(value('reward.update'), 2);
    assert.equal(value('currency.create'), 1);
  });
});

// After the metrics test on purpose: these admin changes would change its counts.
describe('archived quests in the feed (retired)', () => {
  type Feed = { quests: Array<{ key: string }>; retired?: Array<{ key: string; name: string }> };
  const retiredOf = (body: Feed, key: string) => body.retired?.find((q) => q.key === key);

  test('an archived quest is listed with its display fields only, never among the quests', async () => {
    assert.equal((await admin('POST', '/api/v1/admin/quests', questBody('old-quest', { description: 'Win 3', tags: ['pvp'], maxCompletions: 2 }))).statusCode, 201);
    assert.equal((await admin('POST', '/api/v1/admin/quests/old-quest/publish')).statusCode, 200);
    const etag = String((await poll()).headers.etag);
    assert.equal((await admin('POST', '/api/v1/admin/quests/old-quest/archive')).statusCode, 200);
    const res = await poll(etag);
    assert.equal(res.statusCode, 200, 'archiving changes the revision');
    const body = res.json();
    assert.ok(Value.Check(PublishedQuestsResponse, body), JSON.stringify([...Value.Errors(PublishedQuestsResponse, body)][0]));
    assert.equal(body.quests.find((q: { key: string }) => q.key === 'old-quest'), undefined);
    assert.deepEqual(retiredOf(body, 'old-quest'), {
      key: 'old-quest',
      name: 'Quest old-quest',
      description: 'Win 3',
      tags: ['pvp'],
      version: 1,
      mode: 'count',
      target: 3,
      maxCompletions: 2,
    });
    assert.ok(!(body as Feed).retired!.some((q) => body.quests.some((p: { key: string }) => p.key === q.key)), 'a key is in one list only');
  });

  test('an edit of an archived quest, or a draft archived directly, changes the revision', async () => {
    let etag = String((await poll()).headers.etag);
    assert.equal((await admin('PUT', '/api/v1/admin/quests/old-quest', questBody('old-quest', { name: 'Renamed', maxCompletions: 2 }))).statusCode, 200);
    let res = await poll(etag);
    assert.equal(res.statusCode, 200);
    assert.equal(retiredOf(res.json(), 'old-quest')?.name, 'Renamed');

    etag = String(res.headers.etag);
    assert.equal((await admin('POST', '/api/v1/admin/quests', questBody('never-live'))).statusCode, 201);
    assert.equal((await poll(etag)).statusCode, 304, 'a draft is not in the feed');
    assert.equal((await admin('POST', '/api/v1/admin/quests/never-live/archive')).statusCode, 200);
    res = await poll(etag);
    assert.equal(res.statusCode, 200);
    assert.ok(retiredOf(res.json(), 'never-live'));
  });

  test('a feed without `retired` (an older catalog) still satisfies the contract', () => {
    assert.ok(Value.Check(PublishedQuestsResponse, { revision: '7', quests: [] }));
  });
});
