import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { injectInternal } from '@questline/testkit';
import { GRANT_BATCH_MAX, type GrantBatchResponse, type GrantRequest } from '@questline/contracts';
import { INTERNAL_TOKEN, grant, player, startAuth, type Harness } from './support.js';

let h: Harness;
before(async () => {
  h = await startAuth();
});
after(async () => {
  await h?.close();
});

const batch = (grants: unknown[]) => injectInternal(h.app, INTERNAL_TOKEN, { method: 'POST', url: '/internal/grants/batch', payload: { grants } });

const questGrant = (userId: string, questKey: string, completion: number, items = [{ currency: 'gold', amount: 10 }], extra: Partial<GrantRequest> = {}): GrantRequest => ({
  userId,
  idempotencyKey: `quest:${userId}:${questKey}:${completion}`,
  items,
  xp: 0,
  badge: null,
  reason: `quest ${questKey} completion ${completion}`,
  source: { type: 'quest', questKey, completion },
  ...extra,
});

async function balances(userId: string): Promise<Record<string, number>> {
  const rows = await h.db.selectFrom('balances').select(['currency', 'amount']).where('user_id', '=', userId).execute();
  return Object.fromEntries(rows.map((r) => [r.currency, Number(r.amount)]));
}

async function ledgerCount(userId: string): Promise<number> {
  const [row] = await h.db.selectFrom('ledger_entries').select(sql<number>`count(*)::int`.as('n')).where('user_id', '=', userId).execute();
  return row!.n;
}

async function rewardMessages(userId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM webhook_messages WHERE type = 'reward.granted' AND (body::jsonb -> 'data' ->> 'userId') = ${userId}
  `.execute(h.db);
  return rows[0]!.n;
}

describe('POST /internal/grants/batch', () => {
  test('pays every grant of a batch once, with balances, xp, badges, ledger rows and reward.granted messages', async () => {
    const a = await player(h.app, 'gb_happy_a');
    const b = await player(h.app, 'gb_happy_b');
    const grants = [
      questGrant(a.id, 'q1', 1, [{ currency: 'gold', amount: 10 }, { currency: 'diamond', amount: 2 }], { xp: 50, badge: 'first' }),
      questGrant(b.id, 'q1', 1, [{ currency: 'gold', amount: 7 }]),
      questGrant(a.id, 'q1', 2, [{ currency: 'gold', amount: 10 }], { xp: 25, badge: 'first' }),
      questGrant(a.id, 'q2', 1, [{ currency: 'gold', amount: 1 }], { badge: 'second' }),
    ];
    const res = await batch(grants);
    assert.equal(res.statusCode, 200, res.body);
    const { results } = res.json<GrantBatchResponse>();
    assert.deepEqual(
      results.map((r) => [r.idempotencyKey, r.status, r.entryIds.length]),
      grants.map((g) => [g.idempotencyKey, 'applied', g.items.length]),
    );
    assert.deepEqual(await balances(a.id), { gold: 21, diamond: 2 });
    assert.deepEqual(await balances(b.id), { gold: 7 });
    const user = await h.db.selectFrom('users').select(['xp', 'badges']).where('id', '=', a.id).executeTakeFirstOrThrow();
    assert.equal(Number(user.xp), 75);
    assert.deepEqual(user.badges, ['first', 'second']);
    assert.equal(await ledgerCount(a.id), 4);
    assert.equal(await rewardMessages(a.id), 4, 'one reward.granted per entry');
    assert.equal(await rewardMessages(b.id), 1);
    // The entries a result names are that grant's, in their order.
    const first = await h.db.selectFrom('ledger_entries').select(['id', 'currency', 'idempotency_key']).where('id', 'in', results[0]!.entryIds).orderBy('position').execute();
    assert.deepEqual(first.map((e) => [e.currency, e.idempotency_key]), [['gold', grants[0]!.idempotencyKey], ['diamond', grants[0]!.idempotencyKey]]);
    assert.deepEqual(first.map((e) => e.id), results[0]!.entryIds);
  });

  test('a key twice in one batch pays once; a key paid before (one by one or in a batch) is a duplicate with its entries', async () => {
    const p = await player(h.app, 'gb_dupes');
    const single = questGrant(p.id, 'once', 1);
    const paid = await grant(h.app, single);
    assert.equal(paid.statusCode, 201);
    const fresh = questGrant(p.id, 'fresh', 1, [{ currency: 'gold', amount: 5 }]);
    const res = await batch([fresh, single, fresh]);
    assert.equal(res.statusCode, 200, res.body);
    const { results } = res.json<GrantBatchResponse>();
    assert.deepEqual(results.map((r) => r.status), ['applied', 'duplicate', 'duplicate']);
    assert.deepEqual(results[1]!.entryIds, paid.json().entryIds, 'the earlier payment is named');
    assert.deepEqual(results[2]!.entryIds, results[0]!.entryIds, 'the repeat names the payment of its first occurrence');
    assert.deepEqual(await balances(p.id), { gold: 15 });

    const again = await batch([fresh, single]);
    assert.deepEqual(again.json<GrantBatchResponse>().results.map((r) => [r.status, r.entryIds]), [['duplicate', results[0]!.entryIds], ['duplicate', paid.json().entryIds]]);
    // And the single route sees the batch's payment.
    const retried = await grant(h.app, fresh);
    assert.equal(retried.statusCode, 200);
    assert.deepEqual(retried.json(), { duplicate: true, entryIds: results[0]!.entryIds });
    assert.deepEqual(await balances(p.id), { gold: 15 });
    assert.equal(await ledgerCount(p.id), 2);
    assert.equal(await rewardMessages(p.id), 2);
  });

  test('a grant for an unknown user is answered for that item only: the others are paid', async () => {
    const p = await player(h.app, 'gb_unknown');
    const ghost = '00000000-0000-4000-8000-00000000abcd';
    const res = await batch([questGrant(p.id, 'k', 1), questGrant(ghost, 'k', 1), questGrant(p.id, 'k', 2)]);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json<GrantBatchResponse>().results.map((r) => [r.status, r.entryIds.length]), [['applied', 1], ['unknown_user', 0], ['applied', 1]]);
    assert.deepEqual(await balances(p.id), { gold: 20 });
    const [row] = await h.db.selectFrom('grants').select(sql<number>`count(*)::int`.as('n')).where('user_id', '=', ghost).execute();
    assert.equal(row!.n, 0);
  });

  test('one bad item refuses the whole batch with 400 and writes nothing; empty and oversized batches are refused', async () => {
    const p = await player(h.app, 'gb_invalid');
    const good = questGrant(p.id, 'v', 1);
    for (const bad of [
      { ...questGrant(p.id, 'v', 2), items: [{ currency: 'gold', amount: -5 }] },
      { ...questGrant(p.id, 'v', 3), idempotencyKey: '' },
      { ...questGrant(p.id, 'v', 4), userId: 'not-a-uuid' },
      { ...questGrant(p.id, 'v', 5), extra: true },
    ]) {
      const res = await batch([good, bad]);
      assert.equal(res.statusCode, 400, JSON.stringify(bad));
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
    }
    assert.equal((await batch([])).statusCode, 400);
    const tooMany = Array.from({ length: GRANT_BATCH_MAX + 1 }, (_, i) => questGrant(p.id, 'many', i + 1));
    assert.equal((await batch(tooMany)).statusCode, 400);
    assert.deepEqual(await balances(p.id), {});
    assert.equal(await ledgerCount(p.id), 0);
    const unsigned = await h.app.inject({ method: 'POST', url: '/internal/grants/batch', payload: { grants: [good] } });
    assert.equal(unsigned.statusCode, 401);
    assert.deepEqual(await balances(p.id), {});
  });

  test('100 concurrent, overlapping batches never pay a key twice: each balance is the sum of its distinct keys', async () => {
    const users = await Promise.all(Array.from({ length: 8 }, (_, i) => player(h.app, `gb_race_${i}`)));
    // 40 distinct keys per user (amount = completion), each batch a random overlapping slice over all users.
    const keys = users.flatMap((u) => Array.from({ length: 40 }, (_, i) => questGrant(u.id, 'race', i + 1, [{ currency: 'gold', amount: i + 1 }, { currency: 'ruby', amount: 1 }], { xp: 1 })));
    const batches = Array.from({ length: 100 }, () => {
      const picked = Array.from({ length: 30 }, () => keys[Math.floor(Math.random() * keys.length)]!);
      return picked;
    });
    // Every key in at least one batch.
    batches.push(keys);
    const answers = await Promise.all(batches.map((b) => batch(b)));
    const applied = new Map<string, number>();
    for (const res of answers) {
      assert.equal(res.statusCode, 200, res.body);
      for (const r of res.json<GrantBatchResponse>().results) if (r.status === 'applied') applied.set(r.idempotencyKey, (applied.get(r.idempotencyKey) ?? 0) + 1);
    }
    assert.equal(applied.size, keys.length, 'every key applied');
    assert.ok([...applied.values()].every((n) => n === 1), 'each key applied exactly once');
    const expectedGold = (40 * 41) / 2;
    for (const u of users) {
      assert.deepEqual(await balances(u.id), { gold: expectedGold, ruby: 40 });
      assert.equal(await ledgerCount(u.id), 80);
      assert.equal(await rewardMessages(u.id), 80);
      const row = await h.db.selectFrom('users').select('xp').where('id', '=', u.id).executeTakeFirstOrThrow();
      assert.equal(Number(row.xp), 40);
    }
  });
});
