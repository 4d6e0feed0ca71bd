import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GOLD_REWARD_ID, bearer, questBody, startCatalog, type Harness } from './helpers.js';

/** Lone UTF-16 surrogates (and NUL) cannot be stored as sent: 400 naming the field, never a 500. */
let h: Harness;
before(async () => {
  h = await startCatalog('catalog_hygiene');
});
after(async () => {
  await h.close();
});

const admin = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
  h.app.inject({ method, url, headers: bearer(h.adminToken), ...(payload === undefined ? {} : { payload }) });

function assertRefused(res: { statusCode: number; body: string; json(): any }, field: string) {
  assert.equal(res.statusCode, 400, res.body);
  assert.equal(res.json().error.code, 'VALIDATION_FAILED');
  assert.equal(res.json().error.field, field);
}

test('a quest whose name or objective filter holds a lone surrogate → 400 VALIDATION_FAILED, nothing stored', async () => {
  const filter = (f: Record<string, unknown>) => ({ objective: { event: 'match.won', mode: 'count', target: 3, filter: f } });
  assertRefused(await admin('POST', '/api/v1/admin/quests', questBody('lone-name', { name: 'Quest \ud800' })), 'name');
  assertRefused(await admin('POST', '/api/v1/admin/quests', questBody('lone-filter-value', filter({ map: 'dust\udc00' }))), 'objective.filter.map');
  assertRefused(await admin('POST', '/api/v1/admin/quests', questBody('lone-filter-key', filter({ ['m\udbff']: 'dust' }))), 'objective.filter.m\udbff');
  assertRefused(await admin('POST', '/api/v1/admin/quests', questBody('nul-name', { name: 'a\u0000' })), 'name');
  const list = await admin('GET', '/api/v1/admin/quests?limit=200');
  assert.equal(list.statusCode, 200);
  const keys: string[] = list.json().items.map((q: { key: string }) => q.key);
  for (const key of ['lone-name', 'lone-filter-value', 'lone-filter-key', 'nul-name']) assert.ok(!keys.includes(key), key);

  // A replacement is refused the same way; paired surrogates (emoji) are fine.
  assert.equal((await admin('POST', '/api/v1/admin/quests', questBody('clean', { name: 'Win 🏆' }))).statusCode, 201);
  assertRefused(await admin('PUT', '/api/v1/admin/quests/clean', questBody('clean', { name: 'Win \ud83c' })), 'name');
  assert.equal((await admin('GET', '/api/v1/admin/quests?limit=200')).json().items.find((q: { key: string }) => q.key === 'clean').name, 'Win 🏆');
});

test('a reward whose name or badge holds a lone surrogate → 400 VALIDATION_FAILED', async () => {
  const reward = { name: 'Pack', items: [{ currency: 'gold', amount: 1 }], badge: 'star' };
  assertRefused(await admin('POST', '/api/v1/admin/rewards', { ...reward, name: 'Pack \ud800' }), 'name');
  assertRefused(await admin('POST', '/api/v1/admin/rewards', { ...reward, badge: '\udfffstar' }), 'badge');
  assertRefused(await admin('PUT', `/api/v1/admin/rewards/${GOLD_REWARD_ID}`, { ...reward, badge: 'st\ud800ar' }), 'badge');
  const gold = await h.app.inject({ method: 'GET', url: `/api/v1/rewards/${GOLD_REWARD_ID}` });
  assert.equal(gold.statusCode, 200);
  assert.notEqual(gold.json().reward.badge, 'st\ufffdar');
});

test('a list filter holding a NUL → 400 naming the querystring field', async () => {
  const res = await h.app.inject({ method: 'GET', url: '/api/v1/quests?tag=a%00' });
  assertRefused(res, 'tag');
  assert.match(res.json().error.message, /^querystring\.tag /);
});
