import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '@questline/platform';
import { injectInternal } from '@questline/testkit';
import { buildApp } from '../src/app.js';
import { INTERNAL_TOKEN, bearer, grant, loginAdmin, player, startAuth, type Harness, type Tokens } from './support.js';

let h: Harness;
let admin: Tokens;
let replica: App;
before(async () => {
  h = await startAuth();
  admin = await loginAdmin(h.app);
  // A second replica on the same database: idempotency must hold across processes, not by memory.
  replica = await buildApp(h.config);
});
after(async () => {
  await replica?.close();
  await h?.close();
});

const questGrant = (userId: string, key: string, amount: number) => ({
  userId,
  idempotencyKey: key,
  items: [{ currency: 'gold', amount }],
  xp: 1,
  reason: 'Daily Login',
  source: { type: 'quest', questKey: 'daily-login', completion: 1 },
});
const count = async (table: 'ledger_entries' | 'grants', userId: string) =>
  Number((await h.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow()).n);
const gold = async (userId: string) =>
  (await h.db.selectFrom('balances').select('amount').where('user_id', '=', userId).where('currency', '=', 'gold').executeTakeFirst())?.amount ?? 0;

describe('idempotent grants under concurrency', () => {
  test('20 concurrent grants with one idempotency key, across two replicas → exactly one ledger entry', async () => {
    const p = await player(h.app, 'ledger_one_key');
    const body = questGrant(p.id, `quest:${p.id}:daily-login:1`, 10);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => injectInternal(i % 2 ? replica : h.app, INTERNAL_TOKEN, { method: 'POST', url: '/internal/grants', payload: body })),
    );
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [...Array(19).fill(200), 201]);
    assert.equal(new Set(results.map((r) => JSON.stringify(r.json().entryIds))).size, 1, 'every answer names the same entry');
    assert.equal(await count('ledger_entries', p.id), 1);
    assert.equal(await count('grants', p.id), 1);
    assert.equal(await gold(p.id), 10);
    const user = await h.db.selectFrom('users').select('xp').where('id', '=', p.id).executeTakeFirstOrThrow();
    assert.equal(user.xp, 1);
  });

  test('100 concurrent grants with distinct keys → the balance is exact', async () => {
    const p = await player(h.app, 'ledger_many_keys');
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        injectInternal(i % 2 ? replica : h.app, INTERNAL_TOKEN, { method: 'POST', url: '/internal/grants', payload: questGrant(p.id, `bulk:${p.id}:${i}`, i + 1) }),
      ),
    );
    assert.ok(results.every((r) => r.statusCode === 201), results.map((r) => r.statusCode).join(','));
    assert.equal(await gold(p.id), (100 * 101) / 2);
    assert.equal(await count('ledger_entries', p.id), 100);
    const me = await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(p.accessToken) });
    assert.equal(me.json().user.balances.gold, 5050);
    assert.equal(me.json().user.xp, 100);
  });

  test('admin grants: 201 then 200 for the same key, even when raced from two replicas', async () => {
    const p = await player(h.app, 'ledger_admin_race');
    const payload = { currency: 'diamond', amount: 3, reason: 'apology', idempotencyKey: 'apology-1' };
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? replica : h.app).inject({ method: 'POST', url: `/api/v1/admin/users/${p.id}/grants`, headers: bearer(admin.accessToken), payload }),
      ),
    );
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [...Array(9).fill(200), 201]);
    assert.equal(new Set(results.map((r) => r.json().entry.id)).size, 1);
    assert.equal(await count('ledger_entries', p.id), 1);
  });
});

describe('ledger integrity in the database', () => {
  test('balances can never go negative (check constraint)', async () => {
    const p = await player(h.app, 'ledger_negative');
    await grant(h.app, questGrant(p.id, `neg:${p.id}`, 5));
    await assert.rejects(
      h.db.updateTable('balances').set({ amount: -1 }).where('user_id', '=', p.id).execute(),
      /balances_amount_check|violates check constraint/,
    );
    await assert.rejects(h.db.insertInto('balances').values({ user_id: p.id, currency: 'debt', amount: -10 }).execute(), /check constraint/);
    assert.equal(await gold(p.id), 5);
  });

  test('the ledger is append-only and the idempotency key unique', async () => {
    const p = await player(h.app, 'ledger_append_only');
    await grant(h.app, questGrant(p.id, `ao:${p.id}`, 5));
    await assert.rejects(h.db.updateTable('ledger_entries').set({ amount: 1000 }).where('user_id', '=', p.id).execute(), /append-only/);
    await assert.rejects(h.db.deleteFrom('ledger_entries').where('user_id', '=', p.id).execute(), /append-only/);
    const existing = await h.db.selectFrom('grants').selectAll().where('user_id', '=', p.id).executeTakeFirstOrThrow();
    await assert.rejects(
      h.db.insertInto('grants').values({ idempotency_key: existing.idempotency_key, user_id: p.id, request_hash: 'x', badge: null, granted_by: null }).execute(),
      /duplicate key/,
    );
  });

  test('any slug currency is accepted and shown with gold and diamond', async () => {
    const p = await player(h.app, 'ledger_custom_currency');
    const res = await grant(h.app, { ...questGrant(p.id, `cur:${p.id}`, 1), items: [{ currency: 'event-tokens', amount: 4 }] });
    assert.equal(res.statusCode, 201);
    const me = await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(p.accessToken) });
    assert.deepEqual(me.json().user.balances, { gold: 0, diamond: 0, 'event-tokens': 4 });
  });
});
