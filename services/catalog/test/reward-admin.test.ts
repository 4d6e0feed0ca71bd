import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, questBody, startCatalog, type Harness } from './helpers.js';

let h: Harness;
before(async () => {
  h = await startCatalog('catalog_reward_admin');
});
after(async () => {
  await h.close();
});

const admin = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
  h.app.inject({ method, url, headers: bearer(h.adminToken), ...(payload === undefined ? {} : { payload: payload as object }) });

function assertError(res: { statusCode: number; json(): any }, status: number, code: string, field?: string) {
  assert.equal(res.statusCode, status, JSON.stringify(res.json()));
  assert.equal(res.json().error.code, code);
  if (field !== undefined) assert.equal(res.json().error.field, field);
}

describe('rewards', () => {
  test('create, read publicly, replace and delete a reward', async () => {
    const created = await admin('POST', '/api/v1/admin/rewards', { name: 'Starter pack', items: [{ currency: 'gold', amount: 50 }, { currency: 'diamond', amount: 1 }], xp: 100, badge: 'starter' });
    assert.equal(created.statusCode, 201);
    const reward = created.json().reward;
    assert.match(reward.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(reward.items, [{ currency: 'gold', amount: 50 }, { currency: 'diamond', amount: 1 }]);
    assert.equal(reward.xp, 100);
    assert.equal(reward.badge, 'starter');

    const read = await h.app.inject({ url: `/api/v1/rewards/${reward.id}` });
    assert.deepEqual(read.json().reward, reward);

    const replaced = await admin('PUT', `/api/v1/admin/rewards/${reward.id}`, { name: 'Starter pack v2', items: [{ currency: 'diamond', amount: 2 }] });
    assert.equal(replaced.statusCode, 200);
    assert.deepEqual(replaced.json().reward.items, [{ currency: 'diamond', amount: 2 }]);
    assert.equal(replaced.json().reward.xp, 0);
    assert.equal(replaced.json().reward.badge, null);
    assert.equal(replaced.json().reward.createdAt, reward.createdAt);

    const deleted = await admin('DELETE', `/api/v1/admin/rewards/${reward.id}`);
    assert.equal(deleted.statusCode, 204);
    assert.equal((await h.app.inject({ url: `/api/v1/rewards/${reward.id}` })).statusCode, 404);
    assertError(await admin('DELETE', `/api/v1/admin/rewards/${reward.id}`), 404, 'NOT_FOUND');

    // Who changed it and when, newest first.
    const audit = (await admin('GET', `/api/v1/admin/audit?entity=reward&entityKey=${reward.id}`)).json().items;
    assert.deepEqual(audit.map((e: { action: string }) => e.action), ['reward.delete', 'reward.update', 'reward.create']);
    for (const entry of audit) {
      assert.equal(entry.actorId, `user:${h.adminId}`);
      assert.match(entry.at, /Z$/);
    }
  });

  const invalid: Array<[string, Record<string, unknown>, string, string]> = [
    ['no items', { name: 'r', items: [] }, 'VALIDATION_FAILED', 'items'],
    ['21 items', { name: 'r', items: Array.from({ length: 21 }, (_, i) => ({ currency: `c${i}`, amount: 1 })) }, 'VALIDATION_FAILED', 'items'],
    ['amount 0', { name: 'r', items: [{ currency: 'gold', amount: 0 }] }, 'VALIDATION_FAILED', 'items.0.amount'],
    ['fractional amount', { name: 'r', items: [{ currency: 'gold', amount: 1.5 }] }, 'VALIDATION_FAILED', 'items.0.amount'],
    ['negative xp', { name: 'r', items: [{ currency: 'gold', amount: 1 }], xp: -1 }, 'VALIDATION_FAILED', 'xp'],
    ['missing name', { items: [{ currency: 'gold', amount: 1 }] }, 'VALIDATION_FAILED', 'name'],
    ['unknown field', { name: 'r', items: [{ currency: 'gold', amount: 1 }], extra: 1 }, 'VALIDATION_FAILED', 'extra'],
    ['unknown currency', { name: 'r', items: [{ currency: 'gold', amount: 1 }, { currency: 'ruby', amount: 1 }] }, 'UNKNOWN_CURRENCY', 'items.1.currency'],
    ['repeated currency', { name: 'r', items: [{ currency: 'gold', amount: 1 }, { currency: 'gold', amount: 1 }] }, 'VALIDATION_FAILED', 'items.1.currency'],
  ];
  for (const [name, body, code, field] of invalid) {
    test(`${name} → 400 ${code}`, async () => {
      assertError(await admin('POST', '/api/v1/admin/rewards', body), 400, code, field);
    });
  }

  test('PUT validates like POST and 404s an unknown reward', async () => {
    const { reward } = (await admin('POST', '/api/v1/admin/rewards', { name: 'p', items: [{ currency: 'gold', amount: 1 }] })).json();
    assertError(await admin('PUT', `/api/v1/admin/rewards/${reward.id}`, { name: 'p', items: [{ currency: 'ruby', amount: 1 }] }), 400, 'UNKNOWN_CURRENCY', 'items.0.currency');
    assertError(await admin('PUT', '/api/v1/admin/rewards/00000000-0000-4000-8000-000000000000', { name: 'p', items: [{ currency: 'gold', amount: 1 }] }), 404, 'NOT_FOUND');
    assertError(await admin('PUT', '/api/v1/admin/rewards/nope', { name: 'p', items: [{ currency: 'gold', amount: 1 }] }), 400, 'VALIDATION_FAILED', 'id');
  });

  test('a reward used by a published or a draft quest cannot be deleted', async () => {
    const { reward } = (await admin('POST', '/api/v1/admin/rewards', { name: 'used', items: [{ currency: 'gold', amount: 5 }] })).json();
    assert.equal((await admin('POST', '/api/v1/admin/quests', questBody('uses-reward', { rewardId: reward.id }))).statusCode, 201);
    assertError(await admin('DELETE', `/api/v1/admin/rewards/${reward.id}`), 409, 'REWARD_IN_USE');
    await admin('POST', '/api/v1/admin/quests/uses-reward/publish');
    assertError(await admin('DELETE', `/api/v1/admin/rewards/${reward.id}`), 409, 'REWARD_IN_USE');
  });
});

describe('currencies', () => {
  test('create a currency, list it, and use it in a reward', async () => {
    const created = await admin('POST', '/api/v1/admin/currencies', { code: 'ruby', name: 'Ruby' });
    assert.equal(created.statusCode, 201);
    assert.equal(created.json().currency.code, 'ruby');
    assert.equal(created.json().currency.name, 'Ruby');
    const codes = (await h.app.inject({ url: '/api/v1/currencies' })).json().items.map((c: { code: string }) => c.code);
    assert.deepEqual(codes, ['diamond', 'gold', 'ruby']);
    const reward = await admin('POST', '/api/v1/admin/rewards', { name: '1 ruby', items: [{ currency: 'ruby', amount: 1 }] });
    assert.equal(reward.statusCode, 201);
    const audit = (await admin('GET', '/api/v1/admin/audit?entity=currency&entityKey=ruby')).json().items;
    assert.deepEqual(audit.map((e: { action: string; actorId: string }) => [e.action, e.actorId]), [['currency.create', `user:${h.adminId}`]]);
  });

  test('an existing code is 409 CURRENCY_EXISTS', async () => {
    assertError(await admin('POST', '/api/v1/admin/currencies', { code: 'gold', name: 'Gold again' }), 409, 'CURRENCY_EXISTS', 'code');
  });

  test('codes must be slugs', async () => {
    for (const code of ['Gold', '1gold', 'go ld', '', 'x'.repeat(33)]) {
      assertError(await admin('POST', '/api/v1/admin/currencies', { code, name: 'n' }), 400, 'VALIDATION_FAILED', 'code');
    }
  });

  test('currencies paginate by code', async () => {
    const first = (await h.app.inject({ url: '/api/v1/currencies?limit=2' })).json();
    assert.deepEqual(first.items.map((c: { code: string }) => c.code), ['diamond', 'gold']);
    const second = (await h.app.inject({ url: `/api/v1/currencies?limit=2&cursor=${first.nextCursor}` })).json();
    assert.deepEqual(second.items.map((c: { code: string }) => c.code), ['ruby']);
    assert.equal(second.nextCursor, null);
  });
});
