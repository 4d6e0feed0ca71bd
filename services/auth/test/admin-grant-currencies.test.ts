/** Admin grants are checked against the catalog's currencies; quest rewards (internal grants) are not. */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { UpstreamError, type ServiceClient, type ServiceResponse } from '@questline/platform';
import { injectInternal } from '@questline/testkit';
import { buildApp } from '../src/app.js';
import { createCatalogCurrencies } from '../src/clients/catalog-currencies.js';
import { INTERNAL_TOKEN, bearer, loginAdmin, player, startAuth, type Harness, type Tokens } from './support.js';

let h: Harness;
let admin: Tokens;
before(async () => {
  h = await startAuth();
  admin = await loginAdmin(h.app);
});
after(async () => {
  await h?.close();
});

const body = { currency: 'gold', amount: 50, reason: 'compensation', idempotencyKey: 'comp-1' };
const grantAsAdmin = (userId: string, payload: Record<string, unknown>) =>
  h.app.inject({ method: 'POST', url: `/api/v1/admin/users/${userId}/grants`, headers: bearer(admin.accessToken), payload });

describe('POST /api/v1/admin/users/{userId}/grants: the currency must exist in the catalog', () => {
  test('a currency the catalog does not have → 400 naming currency, nothing paid', async () => {
    const p = await player(h.app, 'grant_unknown_currency');
    const res = await grantAsAdmin(p.id, { ...body, currency: 'nonexistent-currency' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'VALIDATION_FAILED');
    assert.equal(res.json().error.field, 'currency');
    assert.equal((await h.db.selectFrom('grants').select('id').where('user_id', '=', p.id).execute()).length, 0);
    assert.ok(h.catalog.requests.length > 0, 'auth asked the catalog');
  });

  test('a currency the catalog adds later is accepted once auth refreshes its copy', async () => {
    const p = await player(h.app, 'grant_new_currency');
    h.catalog.currencies.push('gems');
    // Unknown codes refresh the copy at most every 2 s; wait that out rather than rely on test order.
    await new Promise((r) => setTimeout(r, 2_100));
    const res = await grantAsAdmin(p.id, { ...body, currency: 'gems', idempotencyKey: 'gems-1' });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal((await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(p.accessToken) })).json().user.balances.gems, 50);
  });

  test('catalog down: admin grants in an unknown currency → 503; quest rewards (internal grants) still pay', async () => {
    const p = await player(h.app, 'grant_catalog_down');
    // A fresh replica that has never reached its catalog (nothing listens on the discard port).
    const replica = await buildApp({ ...h.config, CATALOG_URL: 'http://127.0.0.1:9' });
    try {
      const res = await replica.inject({
        method: 'POST',
        url: `/api/v1/admin/users/${p.id}/grants`,
        headers: bearer(admin.accessToken),
        payload: { ...body, idempotencyKey: 'down-1' },
      });
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().error.code, 'UPSTREAM_UNAVAILABLE');
      assert.ok(Number(res.headers['retry-after']) > 0);
      const reward = await injectInternal(replica, INTERNAL_TOKEN, {
        method: 'POST',
        url: '/internal/grants',
        payload: {
          userId: p.id,
          idempotencyKey: `quest:${p.id}:daily-login:1`,
          items: [{ currency: 'gold', amount: 10 }],
          xp: 0,
          badge: null,
          reason: 'quest reward',
          source: { type: 'quest', questKey: 'daily-login', completion: 1 },
        },
      });
      assert.equal(reward.statusCode, 201, reward.body);
    } finally {
      await replica.close();
    }
  });

  test('catalog down: currencies auth has already seen keep working', async () => {
    const p = await player(h.app, 'grant_known_while_down');
    const up = await grantAsAdmin(p.id, { ...body, idempotencyKey: 'known-up-1' });
    assert.equal(up.statusCode, 201, up.body);
    h.catalog.down = true;
    try {
      const res = await grantAsAdmin(p.id, { ...body, idempotencyKey: 'known-down-1' });
      assert.equal(res.statusCode, 201, res.body);
    } finally {
      h.catalog.down = false;
    }
  });
});

/** A catalog client double: answers from a list of currencies, or fails like a catalog that is down. */
function fakeCatalog(codes: string[], pageSize = 2) {
  const state = { codes, down: false, calls: 0 };
  const client: ServiceClient = {
    async request<T>(_method: string, path: string): Promise<ServiceResponse<T>> {
      state.calls++;
      if (state.down) throw new UpstreamError('catalog', 'connect ECONNREFUSED');
      const cursor = new URL(path, 'http://x').searchParams.get('cursor');
      const start = cursor === null ? 0 : Number(cursor);
      const items = state.codes.slice(start, start + pageSize).map((code) => ({ code, name: code }));
      const nextCursor = start + pageSize < state.codes.length ? String(start + pageSize) : null;
      return { status: 200, body: { items, nextCursor } as T, headers: new Headers() };
    },
  };
  return { state, client };
}

describe('createCatalogCurrencies', () => {
  const log = pino({ level: 'silent' });

  test('reads every page; a known code is answered from memory', async () => {
    const { state, client } = fakeCatalog(['a', 'b', 'c', 'd', 'e']);
    const now = 0;
    const currencies = createCatalogCurrencies(client, { minRefreshMs: 2000, log, now: () => now });
    assert.equal(await currencies.check('e'), 'known');
    assert.equal(state.calls, 3);
    assert.equal(await currencies.check('a'), 'known');
    assert.equal(state.calls, 3);
  });

  test('unknown codes refresh at most once per interval, however many arrive at once', async () => {
    const { state, client } = fakeCatalog(['gold']);
    let now = 0;
    const currencies = createCatalogCurrencies(client, { minRefreshMs: 2000, log, now: () => now });
    const verdicts = await Promise.all(Array.from({ length: 20 }, (_, i) => currencies.check(`made-up-${i}`)));
    assert.ok(verdicts.every((v) => v === 'unknown'));
    assert.equal(state.calls, 1);
    state.codes.push('gems');
    now = 1999;
    assert.equal(await currencies.check('gems'), 'unknown');
    assert.equal(state.calls, 1);
    now = 2000;
    assert.equal(await currencies.check('gems'), 'known');
    assert.equal(state.calls, 2);
  });

  test('catalog down: known codes stay known, unknown ones are unavailable (not unknown)', async () => {
    const { state, client } = fakeCatalog(['gold']);
    let now = 0;
    const currencies = createCatalogCurrencies(client, { minRefreshMs: 2000, log, now: () => now });
    assert.equal(await currencies.check('gold'), 'known');
    state.down = true;
    now = 5000;
    assert.equal(await currencies.check('gems'), 'unavailable');
    assert.equal(await currencies.check('gold'), 'known');
    now = 6000;
    assert.equal(await currencies.check('gems'), 'unavailable');
    assert.equal(state.calls, 2, 'no extra call inside the interval');
  });

  test('a malformed answer counts as unavailable', async () => {
    const client: ServiceClient = {
      request: async <T>() => ({ status: 200, body: { items: 'nope' } as T, headers: new Headers() }),
    };
    const currencies = createCatalogCurrencies(client, { minRefreshMs: 2000, log });
    assert.equal(await currencies.check('gold'), 'unavailable');
  });
});
