import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '@questline/platform';
import { buildApp } from '../src/app.js';
import { createApiKey } from './api-key-support.js';
import { bearer, loginAdmin, player, startAuth, type Harness, type Tokens } from './support.js';

let h: Harness;
let admin: Tokens;
let replica: App;
before(async () => {
  h = await startAuth();
  admin = await loginAdmin(h.app);
  // A second replica on the same database: "never below zero" must hold across processes.
  replica = await buildApp(h.config);
});
after(async () => {
  await replica?.close();
  await h?.close();
});

const debit = (userId: string, payload: Record<string, unknown>, token = admin.accessToken, app: App = h.app) =>
  app.inject({ method: 'POST', url: `/api/v1/users/${userId}/debits`, headers: bearer(token), payload });
const fund = async (userId: string, amount: number, currency = 'gold') => {
  const res = await h.app.inject({
    method: 'POST',
    url: `/api/v1/admin/users/${userId}/grants`,
    headers: bearer(admin.accessToken),
    payload: { currency, amount, reason: 'funding', idempotencyKey: `fund-${Math.random()}` },
  });
  assert.equal(res.statusCode, 201, res.body);
};
const balance = async (userId: string, currency = 'gold') =>
  Number((await h.db.selectFrom('balances').select('amount').where('user_id', '=', userId).where('currency', '=', currency).executeTakeFirst())?.amount ?? 0);
const debitRows = async (userId: string) =>
  h.db.selectFrom('ledger_entries').selectAll().where('user_id', '=', userId).where('source_type', '=', 'debit').execute();
const audit = (entityKey: string) => h.db.selectFrom('audit_log').selectAll().where('entity_key', '=', entityKey).orderBy('id').execute();
const body = { currency: 'gold', amount: 30, reason: 'sword', idempotencyKey: 'order-1' };

describe('POST /api/v1/users/{userId}/debits', () => {
  test('201 with a negative entry; the same key and body → 200 with the same entry; shown in both ledgers and the audit', async () => {
    const p = await player(h.app, 'debit_happy');
    await fund(p.id, 100);
    const first = await debit(p.id, body);
    assert.equal(first.statusCode, 201, first.body);
    const entry = first.json().entry;
    assert.equal(entry.amount, -30);
    assert.equal(entry.currency, 'gold');
    assert.equal(entry.reason, 'sword');
    assert.deepEqual(entry.source, { type: 'debit' });
    assert.equal(entry.userId, p.id);
    assert.equal(await balance(p.id), 70);

    const again = await debit(p.id, body, admin.accessToken, replica);
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json().entry, entry);
    assert.equal(await balance(p.id), 70, 'nothing taken twice');
    assert.equal((await debitRows(p.id)).length, 1);

    const mine = await h.app.inject({ method: 'GET', url: '/api/v1/me/ledger', headers: bearer(p.accessToken) });
    assert.deepEqual(mine.json().items[0], entry, 'newest first');
    const me = await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(p.accessToken) });
    assert.equal(me.json().user.balances.gold, 70);

    const theirs = await h.app.inject({ method: 'GET', url: `/api/v1/admin/users/${p.id}/ledger?limit=1`, headers: bearer(admin.accessToken) });
    assert.equal(theirs.statusCode, 200);
    assert.deepEqual(theirs.json().items, [entry]);
    const next = await h.app.inject({
      method: 'GET',
      url: `/api/v1/admin/users/${p.id}/ledger?limit=1&cursor=${theirs.json().nextCursor}`,
      headers: bearer(admin.accessToken),
    });
    assert.equal(next.json().items[0].amount, 100, 'the funding grant, next page');
    assert.equal(next.json().nextCursor, null);

    const rows = (await audit(p.id)).filter((a) => a.action === 'wallet.debited');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.actor_id, `user:${admin.user.id}`);
    assert.equal(rows[0]!.entity, 'wallet');
    assert.deepEqual({ ...rows[0]!.details }, { entryId: entry.id, currency: 'gold', amount: 30, reason: 'sword', idempotencyKey: 'order-1', balance: 70 });
  });

  test('refusals are precise and write nothing: the balance, the ledger and the audit stay as they were', async () => {
    const p = await player(h.app, 'debit_refusals');
    await fund(p.id, 50);
    assert.equal((await debit(p.id, { ...body, idempotencyKey: 'kept' })).statusCode, 201);
    const snapshot = async () => ({ gold: await balance(p.id), rows: (await debitRows(p.id)).length, audit: (await audit(p.id)).length });
    const before = await snapshot();
    const cases: Array<[Record<string, unknown>, number, string, string]> = [
      [{ ...body, amount: 0 }, 400, 'VALIDATION_FAILED', 'amount'],
      [{ ...body, amount: -5 }, 400, 'VALIDATION_FAILED', 'amount'],
      [{ ...body, amount: 1.5 }, 400, 'VALIDATION_FAILED', 'amount'],
      [{ ...body, amount: '10' }, 400, 'VALIDATION_FAILED', 'amount'],
      [{ ...body, amount: 1e12 }, 400, 'VALIDATION_FAILED', 'amount'],
      [{ ...body, currency: 'doubloons' }, 400, 'UNKNOWN_CURRENCY', 'currency'],
      [{ ...body, currency: 'Not A Code' }, 400, 'VALIDATION_FAILED', 'currency'],
      [{ ...body, reason: '' }, 400, 'VALIDATION_FAILED', 'reason'],
      [{ ...body, reason: 'r'.repeat(201) }, 400, 'VALIDATION_FAILED', 'reason'],
      [{ ...body, idempotencyKey: '' }, 400, 'VALIDATION_FAILED', 'idempotencyKey'],
      [{ ...body, idempotencyKey: 'k'.repeat(201) }, 400, 'VALIDATION_FAILED', 'idempotencyKey'],
      [{ currency: 'gold', amount: 1, reason: 'x' }, 400, 'VALIDATION_FAILED', 'idempotencyKey'],
      [{ ...body, extra: true }, 400, 'VALIDATION_FAILED', 'extra'],
      [{ ...body, idempotencyKey: 'kept', amount: 31 }, 409, 'IDEMPOTENCY_KEY_REUSED', 'idempotencyKey'],
      [{ ...body, idempotencyKey: 'kept', reason: 'shield' }, 409, 'IDEMPOTENCY_KEY_REUSED', 'idempotencyKey'],
      [{ ...body, idempotencyKey: 'too-much', amount: 21 }, 409, 'INSUFFICIENT_FUNDS', 'amount'],
      [{ ...body, idempotencyKey: 'no-diamonds', currency: 'diamond', amount: 1 }, 409, 'INSUFFICIENT_FUNDS', 'amount'],
    ];
    for (const [payload, status, code, field] of cases) {
      const res = await debit(p.id, payload);
      assert.equal(res.statusCode, status, `${JSON.stringify(payload)}: ${res.body}`);
      assert.equal(res.json().error.code, code, JSON.stringify(payload));
      assert.equal(res.json().error.field, field, JSON.stringify(payload));
      assert.deepEqual(await snapshot(), before, `nothing written by ${JSON.stringify(payload)}`);
    }
    assert.equal(await balance(p.id, 'diamond'), 0);
  });

  test('a refused debit claims nothing: the same key succeeds once the money is there', async () => {
    const p = await player(h.app, 'debit_retry');
    await fund(p.id, 10);
    const short = await debit(p.id, { ...body, idempotencyKey: 'later' });
    assert.equal(short.statusCode, 409);
    await fund(p.id, 20);
    const paid = await debit(p.id, { ...body, idempotencyKey: 'later' });
    assert.equal(paid.statusCode, 201);
    assert.equal(await balance(p.id), 0, 'down to exactly zero');
    const empty = await debit(p.id, { ...body, amount: 1, idempotencyKey: 'one-more' });
    assert.equal(empty.statusCode, 409);
    assert.equal(empty.json().error.code, 'INSUFFICIENT_FUNDS');
  });

  test('50 parallel debits on two replicas that together exceed the balance: never below zero, exact to the unit', async () => {
    const p = await player(h.app, 'debit_race');
    const start = 1000;
    await fund(p.id, start);
    const amounts = Array.from({ length: 50 }, (_, i) => 10 + i); // 1,725 in all
    const results = await Promise.all(
      amounts.map((amount, i) => debit(p.id, { currency: 'gold', amount, reason: 'race', idempotencyKey: `race-${i}` }, admin.accessToken, i % 2 ? replica : h.app)),
    );
    const accepted = amounts.filter((_, i) => results[i]!.statusCode === 201);
    for (const r of results) {
      if (r.statusCode !== 201) {
        assert.equal(r.statusCode, 409, r.body);
        assert.equal(r.json().error.code, 'INSUFFICIENT_FUNDS');
      }
    }
    const end = await balance(p.id);
    assert.ok(end >= 0, `balance ${end}`);
    assert.equal(end, start - accepted.reduce((a, b) => a + b, 0));
    assert.ok(accepted.length > 0 && accepted.length < 50, `${accepted.length} accepted`);
    const rows = await debitRows(p.id);
    assert.equal(rows.length, accepted.length);
    assert.deepEqual(rows.map((r) => -Number(r.amount)).sort((a, b) => a - b), [...accepted].sort((a, b) => a - b));
    // Every refusal was for a real shortfall: what is left is less than the smallest refused amount.
    const refused = amounts.filter((_, i) => results[i]!.statusCode !== 201);
    assert.ok(refused.every((a) => a > end) || refused.length === 0, `left ${end}, refused ${refused.join(',')}`);
  });

  test('20 parallel debits with one key → one 201, 19 × 200, taken once', async () => {
    const p = await player(h.app, 'debit_one_key');
    await fund(p.id, 100);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => debit(p.id, { ...body, idempotencyKey: 'same' }, admin.accessToken, i % 2 ? replica : h.app)));
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [...Array(19).fill(200), 201]);
    assert.equal(new Set(results.map((r) => r.json().entry.id)).size, 1);
    assert.equal(await balance(p.id), 70);
  });

  test('an unknown user → 404; a banned user → 403 USER_BANNED with the balance intact', async () => {
    const missing = await debit('00000000-0000-4000-8000-000000000000', body);
    assert.equal(missing.statusCode, 404);
    const p = await player(h.app, 'debit_banned');
    await fund(p.id, 100);
    await h.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${p.id}`, headers: bearer(admin.accessToken), payload: { status: 'banned' } });
    const res = await debit(p.id, body);
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'USER_BANNED');
    assert.equal(await balance(p.id), 100);
    assert.equal((await debitRows(p.id)).length, 0);
  });

  test('no credential → 401; a player token (even for their own wallet) → 403', async () => {
    const p = await player(h.app, 'debit_self');
    await fund(p.id, 100);
    const none = await h.app.inject({ method: 'POST', url: `/api/v1/users/${p.id}/debits`, payload: body });
    assert.equal(none.statusCode, 401);
    const self = await debit(p.id, body, p.accessToken);
    assert.equal(self.statusCode, 403);
    assert.equal(self.json().error.code, 'FORBIDDEN');
    const ledger = await h.app.inject({ method: 'GET', url: `/api/v1/admin/users/${p.id}/ledger`, headers: bearer(p.accessToken) });
    assert.equal(ledger.statusCode, 403);
    assert.equal(await balance(p.id), 100);
  });

  test('GET /admin/users/{userId}/ledger: unknown user → 404, bad id or cursor → 400', async () => {
    const get = (url: string) => h.app.inject({ method: 'GET', url, headers: bearer(admin.accessToken) });
    assert.equal((await get('/api/v1/admin/users/00000000-0000-4000-8000-000000000000/ledger')).statusCode, 404);
    assert.equal((await get('/api/v1/admin/users/nope/ledger')).statusCode, 400);
    assert.equal((await get(`/api/v1/admin/users/${admin.user.id}/ledger?cursor=garbage`)).statusCode, 400);
  });

  test('API keys: users:write debits and grants (audited as key:<id>); users:read reads the ledger; a key without the scope → 403', async () => {
    const writer = await createApiKey(h.app, admin.accessToken, ['users:write']);
    const reader = (await createApiKey(h.app, admin.accessToken, ['users:read']))!;
    const p = await player(h.app, 'debit_by_key');
    const granted = await h.app.inject({
      method: 'POST',
      url: `/api/v1/admin/users/${p.id}/grants`,
      headers: bearer(writer.secret),
      payload: { currency: 'gold', amount: 40, reason: 'welcome', idempotencyKey: 'welcome' },
    });
    assert.equal(granted.statusCode, 201, granted.body);
    assert.equal((await debit(p.id, body, writer.secret)).statusCode, 201);
    assert.equal((await debit(p.id, { ...body, idempotencyKey: 'by-reader' }, reader.secret)).statusCode, 403);
    const ledger = await h.app.inject({ method: 'GET', url: `/api/v1/admin/users/${p.id}/ledger`, headers: bearer(reader.secret) });
    assert.equal(ledger.statusCode, 200);
    assert.deepEqual(ledger.json().items.map((e: { amount: number }) => e.amount), [-30, 40]);
    assert.equal((await h.app.inject({ method: 'GET', url: `/api/v1/admin/users/${p.id}/ledger`, headers: bearer(writer.secret) })).statusCode, 403);
    assert.deepEqual(
      (await audit(p.id)).map((a) => [a.action, a.actor_id]),
      [
        ['wallet.granted', `key:${writer.id}`],
        ['wallet.debited', `key:${writer.id}`],
      ],
    );
    assert.equal(await balance(p.id), 10);
  });
});

describe('the audit of admin grants and user changes', () => {
  test('grants, bans, unbans, role and timezone changes are audited with the admin as actor; a repeat or a no-op is not', async () => {
    const p = await player(h.app, 'audited_user');
    const grant = { currency: 'diamond', amount: 5, reason: 'sorry', idempotencyKey: 'audit-grant' };
    const url = `/api/v1/admin/users/${p.id}`;
    const headers = bearer(admin.accessToken);
    const paid = await h.app.inject({ method: 'POST', url: `${url}/grants`, headers, payload: grant });
    assert.equal(paid.statusCode, 201);
    assert.equal((await h.app.inject({ method: 'POST', url: `${url}/grants`, headers, payload: grant })).statusCode, 200);
    for (const payload of [{ status: 'banned' }, { status: 'banned' }, { status: 'active' }, { role: 'admin' }, { role: 'player' }, { status: 'active' }, { timezone: 'Asia/Tokyo' }, { timezone: 'Asia/Tokyo' }]) {
      assert.equal((await h.app.inject({ method: 'PATCH', url, headers, payload })).statusCode, 200);
    }
    const rows = await audit(p.id);
    assert.deepEqual(
      rows.map((r) => [r.action, r.actor_id, r.entity]),
      [
        ['wallet.granted', `user:${admin.user.id}`, 'wallet'],
        ['user.banned', `user:${admin.user.id}`, 'user'],
        ['user.unbanned', `user:${admin.user.id}`, 'user'],
        ['user.role_changed', `user:${admin.user.id}`, 'user'],
        ['user.role_changed', `user:${admin.user.id}`, 'user'],
        ['user.timezone_changed', `user:${admin.user.id}`, 'user'],
      ],
    );
    assert.deepEqual(rows[0]!.details.entryIds, [paid.json().entry.id]);
    assert.deepEqual(rows[3]!.details, { from: 'player', to: 'admin' });
    assert.deepEqual(rows[5]!.details, { from: 'UTC', to: 'Asia/Tokyo' });
    const grantRow = await h.db.selectFrom('grants').select(['actor', 'granted_by']).where('user_id', '=', p.id).executeTakeFirstOrThrow();
    assert.deepEqual(grantRow, { actor: `user:${admin.user.id}`, granted_by: admin.user.id });
  });
});
