import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIAMOND_REWARD_ID, GOLD_REWARD_ID, bearer, questBody, startCatalog, type Harness } from './helpers.js';

let h: Harness;
before(async () => {
  h = await startCatalog('catalog_public');
});
after(async () => {
  await h.close();
});

const get = (url: string, headers: Record<string, string> = {}) => h.app.inject({ method: 'GET', url, headers });

describe('seed', () => {
  test('publishes the two quests of api.md with their exact definitions', async () => {
    const res = await get('/api/v1/quests');
    assert.equal(res.statusCode, 200);
    const { items, nextCursor } = res.json();
    assert.equal(nextCursor, null);
    assert.deepEqual(
      items.map((q: { key: string }) => q.key),
      ['daily-login', 'sign-in-three-times'],
    );
    const [daily, streak] = items;
    assert.deepEqual(
      { ...daily, id: undefined, createdAt: undefined, updatedAt: undefined, description: undefined },
      {
        id: undefined,
        key: 'daily-login',
        name: 'Daily Login',
        description: undefined,
        tags: ['daily', 'login'],
        status: 'published',
        version: 1,
        objective: { event: 'login', mode: 'count', target: 1 },
        rewardId: GOLD_REWARD_ID,
        autoClaim: true,
        maxCompletions: 365,
        repeat: 'daily',
        startsAt: null,
        endsAt: null,
        prerequisites: [],
        createdAt: undefined,
        updatedAt: undefined,
      },
    );
    assert.equal(streak.name, 'Sign in three times');
    assert.deepEqual(streak.objective, { event: 'login', mode: 'streak', target: 3 });
    assert.equal(streak.repeat, 'none');
    assert.equal(streak.autoClaim, false);
    assert.equal(streak.maxCompletions, 2);
    assert.equal(streak.rewardId, DIAMOND_REWARD_ID);
    assert.equal(streak.version, 1);
    assert.deepEqual(streak.tags, ['streak', 'login']);
    for (const q of items) {
      assert.match(q.id, /^[0-9a-f-]{36}$/);
      assert.ok(q.description.length > 0);
      assert.match(q.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.match(q.updatedAt, /Z$/);
    }
  });

  test('creates the rewards "10 gold" and "10 diamond" and both currencies', async () => {
    const gold = (await get(`/api/v1/rewards/${GOLD_REWARD_ID}`)).json().reward;
    assert.deepEqual({ name: gold.name, items: gold.items, xp: gold.xp, badge: gold.badge }, { name: '10 gold', items: [{ currency: 'gold', amount: 10 }], xp: 0, badge: null });
    const diamond = (await get(`/api/v1/rewards/${DIAMOND_REWARD_ID}`)).json().reward;
    assert.equal(diamond.name, '10 diamond');
    assert.deepEqual(diamond.items, [{ currency: 'diamond', amount: 10 }]);
    const currencies = (await get('/api/v1/currencies')).json();
    assert.deepEqual(
      currencies.items.map((c: { code: string }) => c.code),
      ['diamond', 'gold'],
    );
  });
});

describe('public quest reads', () => {
  before(async () => {
    // Extra published quests for filters and pagination, plus one draft that must stay hidden.
    const admin = bearer(h.adminToken);
    const defs = [
      questBody('win-a', { tags: ['pvp'], objective: { event: 'match.won', mode: 'count', target: 1 } }),
      questBody('win-b', { tags: ['pvp', 'weekly'], objective: { event: 'match.won', mode: 'sum', target: 10 } }),
      questBody('shop-c', { tags: ['shop'], objective: { event: 'purchase', mode: 'count', target: 1 } }),
    ];
    for (const body of defs) {
      assert.equal((await h.app.inject({ method: 'POST', url: '/api/v1/admin/quests', headers: admin, payload: body })).statusCode, 201);
      assert.equal((await h.app.inject({ method: 'POST', url: `/api/v1/admin/quests/${body.key}/publish`, headers: admin })).statusCode, 200);
    }
    const draft = questBody('secret-draft', { tags: ['pvp'] });
    assert.equal((await h.app.inject({ method: 'POST', url: '/api/v1/admin/quests', headers: admin, payload: draft })).statusCode, 201);
  });

  test('lists published quests only, ordered by key', async () => {
    const keys = (await get('/api/v1/quests')).json().items.map((q: { key: string }) => q.key);
    assert.deepEqual(keys, ['daily-login', 'shop-c', 'sign-in-three-times', 'win-a', 'win-b']);
  });

  test('filters by tag and by objective event', async () => {
    const byTag = (await get('/api/v1/quests?tag=pvp')).json().items.map((q: { key: string }) => q.key);
    assert.deepEqual(byTag, ['win-a', 'win-b']);
    const byEvent = (await get('/api/v1/quests?event=login')).json().items.map((q: { key: string }) => q.key);
    assert.deepEqual(byEvent, ['daily-login', 'sign-in-three-times']);
    const both = (await get('/api/v1/quests?event=match.won&tag=weekly')).json().items.map((q: { key: string }) => q.key);
    assert.deepEqual(both, ['win-b']);
    const none = (await get('/api/v1/quests?tag=nothing')).json();
    assert.deepEqual(none, { items: [], nextCursor: null });
  });

  test('paginates with limit and cursor without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/v1/quests?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const body = (await get(url)).json();
      assert.ok(body.items.length <= 2);
      seen.push(...body.items.map((q: { key: string }) => q.key));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual(seen, ['daily-login', 'shop-c', 'sign-in-three-times', 'win-a', 'win-b']);
  });

  test('rejects bad paging parameters with 400 VALIDATION_FAILED', async () => {
    for (const [url, field] of [
      ['/api/v1/quests?limit=0', 'limit'],
      ['/api/v1/quests?limit=201', 'limit'],
      ['/api/v1/quests?cursor=not-a-cursor', 'cursor'],
      ['/api/v1/rewards?cursor=bm9wZQ', 'cursor'],
    ] as const) {
      const res = await get(url);
      assert.equal(res.statusCode, 400, url);
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
      assert.equal(res.json().error.field, field);
    }
  });

  test('gets a published quest by key; drafts, unknown and malformed keys are 404', async () => {
    const ok = await get('/api/v1/quests/win-a');
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json().quest.key, 'win-a');
    for (const key of ['secret-draft', 'no-such-quest', 'Not_A_Key', 'x'.repeat(150)]) {
      const res = await get(`/api/v1/quests/${key}`);
      assert.equal(res.statusCode, 404, key);
      assert.equal(res.json().error.code, 'NOT_FOUND');
    }
  });

  test('a draft is visible through the public route to an admin only, never cached publicly', async () => {
    const admin = await get('/api/v1/quests/secret-draft', bearer(h.adminToken));
    assert.equal(admin.statusCode, 200);
    assert.equal(admin.json().quest.status, 'draft');
    assert.equal(admin.headers['cache-control'], 'private, no-store');
    assert.equal((await get('/api/v1/quests/secret-draft', bearer(h.playerToken))).statusCode, 404);
    assert.equal((await get('/api/v1/quests/secret-draft', bearer(`${h.adminToken}x`))).statusCode, 404);
  });

  test('public GETs carry an ETag and Cache-Control, and answer If-None-Match with 304', async () => {
    for (const url of ['/api/v1/quests', '/api/v1/quests/daily-login', '/api/v1/rewards', `/api/v1/rewards/${GOLD_REWARD_ID}`, '/api/v1/currencies']) {
      const first = await get(url);
      assert.equal(first.statusCode, 200, url);
      assert.equal(first.headers['cache-control'], 'public, max-age=5');
      const etag = String(first.headers.etag);
      assert.match(etag, /^".+"$/);
      const again = await get(url, { 'if-none-match': etag });
      assert.equal(again.statusCode, 304, url);
      assert.equal(again.body, '');
      assert.equal(again.headers.etag, etag);
      const stale = await get(url, { 'if-none-match': '"stale"' });
      assert.equal(stale.statusCode, 200);
    }
  });

  test('the list ETag changes when the published set changes', async () => {
    const before = String((await get('/api/v1/quests')).headers.etag);
    await h.app.inject({ method: 'POST', url: '/api/v1/admin/quests/shop-c/archive', headers: bearer(h.adminToken) });
    const res = await get('/api/v1/quests', { 'if-none-match': before });
    assert.equal(res.statusCode, 200);
    assert.notEqual(res.headers.etag, before);
    assert.ok(!res.json().items.some((q: { key: string }) => q.key === 'shop-c'));
  });
});

describe('public reward reads', () => {
  test('lists rewards ordered by name and paginates', async () => {
    const first = (await get('/api/v1/rewards?limit=1')).json();
    assert.equal(first.items.length, 1);
    assert.equal(first.items[0].name, '10 diamond');
    assert.ok(first.nextCursor);
    const second = (await get(`/api/v1/rewards?limit=1&cursor=${first.nextCursor}`)).json();
    assert.equal(second.items[0].name, '10 gold');
  });

  test('unknown reward is 404, malformed id is 400', async () => {
    const missing = await get('/api/v1/rewards/00000000-0000-4000-8000-000000000000');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'NOT_FOUND');
    const bad = await get('/api/v1/rewards/not-a-uuid');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'VALIDATION_FAILED');
  });

  test('NUL characters are refused with 400, not a database error', async () => {
    const res = await get('/api/v1/quests?tag=a%00b');
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.field, 'tag');
  });
});
