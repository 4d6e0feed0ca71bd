import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { YEAR_ZERO_CURSOR, bearer, grant, player, startAuth, type Harness } from './support.js';

let h: Harness;
before(async () => {
  h = await startAuth();
});
after(async () => {
  await h?.close();
});

const get = (url: string, token?: string) => h.app.inject({ method: 'GET', url, headers: token ? bearer(token) : {} });

describe('GET /api/v1/me', () => {
  test('returns the user with every balance, read fresh from the database', async () => {
    const p = await player(h.app, 'me_alice');
    const before = await get('/api/v1/me', p.accessToken);
    assert.equal(before.statusCode, 200);
    assert.deepEqual(before.json().user.balances, { gold: 0, diamond: 0 });

    const paid = await grant(h.app, {
      userId: p.id,
      idempotencyKey: `quest:${p.id}:daily-login:1`,
      items: [{ currency: 'gold', amount: 10 }, { currency: 'gems', amount: 3 }],
      xp: 25,
      badge: 'early-bird',
      reason: 'Daily Login',
      source: { type: 'quest', questKey: 'daily-login', completion: 1 },
    });
    assert.equal(paid.statusCode, 201);

    const { user } = (await get('/api/v1/me', p.accessToken)).json();
    assert.equal(user.id, p.id);
    assert.equal(user.username, 'me_alice');
    assert.equal(user.status, 'active');
    assert.deepEqual(user.balances, { gold: 10, diamond: 0, gems: 3 });
    assert.equal(user.xp, 25);
    assert.deepEqual(user.badges, ['early-bird']);
    assert.ok(user.lastLoginAt);
  });

  test('no or bad token → 401 UNAUTHENTICATED', async () => {
    for (const token of [undefined, 'not-a-jwt']) {
      const res = await get('/api/v1/me', token);
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error.code, 'UNAUTHENTICATED');
    }
  });

  test('a banned user is refused even with a still-valid token', async () => {
    const p = await player(h.app, 'me_banned');
    await h.db.updateTable('users').set({ status: 'banned' }).where('id', '=', p.id).execute();
    for (const res of [await get('/api/v1/me', p.accessToken), await get('/api/v1/me/ledger', p.accessToken)]) {
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'USER_BANNED');
    }
  });
});

describe('PATCH /api/v1/me', () => {
  const patch = (token: string, payload: unknown) =>
    h.app.inject({ method: 'PATCH', url: '/api/v1/me', headers: bearer(token), payload: payload as object });

  test('changes the timezone', async () => {
    const p = await player(h.app, 'me_tz');
    const res = await patch(p.accessToken, { timezone: 'America/New_York' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().user.timezone, 'America/New_York');
    assert.equal((await get('/api/v1/me', p.accessToken)).json().user.timezone, 'America/New_York');
  });

  test('rejects unknown zones, other fields and a missing timezone', async () => {
    const p = await player(h.app, 'me_tz_bad');
    const cases: Array<[unknown, string]> = [
      [{ timezone: 'Nowhere/City' }, 'timezone'],
      [{ timezone: 'UTC', role: 'admin' }, 'role'],
      [{}, 'timezone'],
      [{ timezone: 'x'.repeat(100) }, 'timezone'],
    ];
    for (const [body, field] of cases) {
      const res = await patch(p.accessToken, body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
      assert.equal(res.json().error.field, field);
    }
    assert.equal((await get('/api/v1/me', p.accessToken)).json().user.role, 'player');
  });

  test('requires a token', async () => {
    const res = await h.app.inject({ method: 'PATCH', url: '/api/v1/me', payload: { timezone: 'UTC' } });
    assert.equal(res.statusCode, 401);
  });
});

describe('GET /api/v1/me/ledger', () => {
  test('pages through every entry exactly once, newest first', async () => {
    const p = await player(h.app, 'ledger_user');
    const other = await player(h.app, 'ledger_other');
    // Several entries per grant share created_at: the id breaks the tie in the cursor.
    for (let i = 1; i <= 4; i++) {
      const res = await grant(h.app, {
        userId: p.id,
        idempotencyKey: `quest:${p.id}:q:${i}`,
        items: [{ currency: 'gold', amount: i }, { currency: 'diamond', amount: i }, { currency: 'gems', amount: i }],
        reason: `completion ${i}`,
        source: { type: 'quest', questKey: 'q', completion: i },
      });
      assert.equal(res.statusCode, 201);
    }
    await grant(h.app, {
      userId: other.id,
      idempotencyKey: 'other-1',
      items: [{ currency: 'gold', amount: 99 }],
      reason: 'not yours',
      source: { type: 'admin' },
    });

    const seen: Array<{ id: string; createdAt: string; reason: string; source: Record<string, unknown>; amount: number }> = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`/api/v1/me/ledger?limit=5${cursor ? `&cursor=${cursor}` : ''}`, p.accessToken);
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.ok(body.items.length <= 5);
      seen.push(...body.items);
      cursor = body.nextCursor;
      pages++;
    } while (cursor);

    assert.equal(pages, 3);
    assert.equal(seen.length, 12);
    assert.equal(new Set(seen.map((e) => e.id)).size, 12);
    assert.ok(seen.every((e) => e.reason.startsWith('completion')));
    assert.equal(seen[0]!.reason, 'completion 4');
    assert.equal(seen[11]!.reason, 'completion 1');
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i - 1]!.createdAt >= seen[i]!.createdAt);
    assert.deepEqual(seen[0]!.source, { type: 'quest', questKey: 'q', completion: 4 });
  });

  test('an empty ledger is an empty page', async () => {
    const p = await player(h.app, 'ledger_empty');
    const res = await get('/api/v1/me/ledger', p.accessToken);
    assert.deepEqual(res.json(), { items: [], nextCursor: null });
  });

  test('bad limit or cursor → 400', async () => {
    const p = await player(h.app, 'ledger_bad');
    const forged = Buffer.from(JSON.stringify(['2024-02-30T00:00:00.000000Z', 'not-a-uuid'])).toString('base64url');
    for (const query of ['limit=0', 'limit=201', 'limit=abc', 'cursor=%%%', `cursor=${forged}`]) {
      const res = await get(`/api/v1/me/ledger?${query}`, p.accessToken);
      assert.equal(res.statusCode, 400, query);
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
    }
  });

  test('a cursor holding an instant PostgreSQL cannot store (year 0000) → 400 naming cursor, not 500', async () => {
    const p = await player(h.app, 'ledger_year_zero');
    const res = await get(`/api/v1/me/ledger?cursor=${YEAR_ZERO_CURSOR}`, p.accessToken);
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'VALIDATION_FAILED');
    assert.equal(res.json().error.field, 'cursor');
  });
});
