import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { injectInternal, internalHeaders } from '@questline/testkit';
import { INTERNAL_TOKEN, grant, loginAdmin, player, signup, startAuth, type Harness } from './support.js';

let h: Harness;
before(async () => {
  h = await startAuth();
});
after(async () => {
  await h?.close();
});

const getInternal = (url: string) => injectInternal(h.app, INTERNAL_TOKEN, { url });

describe('GET /internal/users/:id', () => {
  test('returns what other services may know', async () => {
    const user = await signup(h.app, 'int_user', 'password-123', 'Asia/Kolkata');
    const res = await getInternal(`/internal/users/${user.id}`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { id: user.id, username: 'int_user', externalId: null, role: 'player', status: 'new', timezone: 'Asia/Kolkata' });
  });

  test('unknown → 404, malformed id → 400', async () => {
    const missing = await getInternal('/internal/users/00000000-0000-4000-8000-000000000000');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'NOT_FOUND');
    const bad = await getInternal('/internal/users/123');
    assert.equal(bad.statusCode, 400);
  });

  test('without a credential, with a wrong secret, a replayed, expired or re-targeted signature → 401', async () => {
    const user = await signup(h.app, 'int_user2');
    const url = `/internal/users/${user.id}`;
    const signed = internalHeaders(INTERNAL_TOKEN, 'GET', url);
    const attempts = [
      h.app.inject({ method: 'GET', url }),
      injectInternal(h.app, 'wrong-token-wrong-token-wrong', { url }),
      h.app.inject({ method: 'GET', url: `/internal/users/00000000-0000-4000-8000-000000000000`, headers: signed }),
      h.app.inject({ method: 'GET', url, headers: { ...signed, 'x-questline-timestamp': String(Date.now() - 120_000) } }),
      h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${(await loginAdmin(h.app)).accessToken}` } }),
    ];
    for (const res of await Promise.all(attempts)) {
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error.code, 'UNAUTHENTICATED');
    }
    assert.equal((await h.app.inject({ method: 'GET', url, headers: signed })).statusCode, 200, 'the genuine call works once');
    assert.equal((await h.app.inject({ method: 'GET', url, headers: signed })).statusCode, 401, 'and never again');
  });
});

describe('POST /internal/grants', () => {
  test('pays items, xp and a badge once; a retry is a duplicate with the same entries', async () => {
    const p = await player(h.app, 'int_grant');
    const request = {
      userId: p.id,
      idempotencyKey: `quest:${p.id}:sign-in-three-times:1`,
      items: [{ currency: 'diamond', amount: 10 }, { currency: 'gold', amount: 5 }],
      xp: 100,
      badge: 'streaker',
      reason: 'Sign in three times',
      source: { type: 'quest', questKey: 'sign-in-three-times', completion: 1 },
    };
    const first = await grant(h.app, request);
    assert.equal(first.statusCode, 201);
    assert.equal(first.json().duplicate, false);
    assert.equal(first.json().entryIds.length, 2);

    const second = await grant(h.app, request);
    assert.equal(second.statusCode, 200);
    assert.deepEqual(second.json(), { duplicate: true, entryIds: first.json().entryIds });

    // A second completion with the same badge pays again but does not repeat the badge.
    const next = await grant(h.app, { ...request, idempotencyKey: `quest:${p.id}:sign-in-three-times:2`, source: { ...request.source, completion: 2 } });
    assert.equal(next.statusCode, 201);

    const user = await h.db.selectFrom('users').select(['xp', 'badges']).where('id', '=', p.id).executeTakeFirstOrThrow();
    assert.equal(user.xp, 200);
    assert.deepEqual(user.badges, ['streaker']);
    const balances = await h.db.selectFrom('balances').select(['currency', 'amount']).where('user_id', '=', p.id).orderBy('currency').execute();
    assert.deepEqual(balances, [{ currency: 'diamond', amount: 20 }, { currency: 'gold', amount: 10 }]);
    const entries = await h.db.selectFrom('ledger_entries').selectAll().where('user_id', '=', p.id).execute();
    assert.equal(entries.length, 4);
    assert.ok(entries.every((e) => e.source_type === 'quest' && e.quest_key === 'sign-in-three-times'));
  });

  test('concurrent retries of one grant pay once', async () => {
    const p = await player(h.app, 'int_race');
    const request = {
      userId: p.id,
      idempotencyKey: `quest:${p.id}:daily-login:1`,
      items: [{ currency: 'gold', amount: 10 }],
      xp: 3,
      reason: 'Daily Login',
      source: { type: 'quest', questKey: 'daily-login', completion: 1 },
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => grant(h.app, request)));
    assert.equal(results.filter((r) => r.statusCode === 201).length, 1);
    assert.equal(results.filter((r) => r.statusCode === 200 && r.json().duplicate).length, 19);
    const gold = await h.db.selectFrom('balances').select('amount').where('user_id', '=', p.id).executeTakeFirstOrThrow();
    assert.equal(gold.amount, 10);
    const user = await h.db.selectFrom('users').select('xp').where('id', '=', p.id).executeTakeFirstOrThrow();
    assert.equal(user.xp, 3);
  });

  test("a banned user's earned rewards are still paid", async () => {
    const p = await player(h.app, 'int_banned');
    await h.db.updateTable('users').set({ status: 'banned' }).where('id', '=', p.id).execute();
    const res = await grant(h.app, {
      userId: p.id,
      idempotencyKey: `quest:${p.id}:daily-login:1`,
      items: [{ currency: 'gold', amount: 10 }],
      reason: 'Daily Login',
      source: { type: 'quest', questKey: 'daily-login', completion: 1 },
    });
    assert.equal(res.statusCode, 201);
  });

  test('unknown user → 404 and nothing stored', async () => {
    const res = await grant(h.app, {
      userId: '00000000-0000-4000-8000-000000000000',
      idempotencyKey: 'ghost-1',
      items: [{ currency: 'gold', amount: 10 }],
      reason: 'x',
      source: { type: 'admin' },
    });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'UNKNOWN_USER');
    const row = await h.db.selectFrom('grants').select('id').where('idempotency_key', '=', 'ghost-1').executeTakeFirst();
    assert.equal(row, undefined);
  });

  test('invalid requests → 400', async () => {
    const p = await player(h.app, 'int_invalid');
    const valid = { userId: p.id, idempotencyKey: 'k1', items: [{ currency: 'gold', amount: 1 }], reason: 'r', source: { type: 'quest' } };
    const cases: unknown[] = [
      { ...valid, userId: 'nope' },
      { ...valid, items: [{ currency: 'gold', amount: 0 }] },
      { ...valid, idempotencyKey: '' },
      { ...valid, source: { type: 'gift' } },
      { ...valid, surprise: 1 },
    ];
    for (const body of cases) {
      const res = await grant(h.app, body as Record<string, unknown>);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
    }
  });

  test('without the internal token → 401 and nothing paid', async () => {
    const p = await player(h.app, 'int_noauth');
    const res = await h.app.inject({
      method: 'POST',
      url: '/internal/grants',
      payload: { userId: p.id, idempotencyKey: 'steal', items: [{ currency: 'gold', amount: 1000 }], reason: 'r', source: { type: 'admin' } },
    });
    assert.equal(res.statusCode, 401);
    const rows = await h.db.selectFrom('balances').select('amount').where('user_id', '=', p.id).execute();
    assert.equal(rows.length, 0);
  });
});

describe('ledger integrity', () => {
  test('ledger entries cannot be rewritten or deleted', async () => {
    const p = await player(h.app, 'int_ledger');
    await grant(h.app, { userId: p.id, idempotencyKey: 'immutable', items: [{ currency: 'gold', amount: 1 }], reason: 'r', source: { type: 'admin' } });
    await assert.rejects(h.db.updateTable('ledger_entries').set({ amount: 1000 }).where('user_id', '=', p.id).execute(), /append-only/);
    await assert.rejects(h.db.deleteFrom('ledger_entries').where('user_id', '=', p.id).execute(), /append-only/);
  });
});
