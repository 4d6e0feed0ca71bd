/**
 * Progress's webhook messages that travel with the grants they pay for (GrantRequest.message: a
 * paying completion's quest.completed, a claim's quest.claimed): stored in the grant's transaction
 * whatever the grant's outcome, with externalUserId filled in, once however often the grant is
 * re-sent, fanned out to the endpoints subscribed; a malformed one (or one about another user than
 * its grant's) refuses the whole batch.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { webhookMessageId, type GrantBatchResponse, type GrantRequest } from '@questline/contracts';
import { injectInternal } from '@questline/testkit';
import { INTERNAL_TOKEN, bearer, loginAdmin, player, startAuth, type Harness, type Tokens } from './support.js';

let h: Harness;
let admin: Tokens;
let endpoint: string;

before(async () => {
  h = await startAuth();
  admin = await loginAdmin(h.app);
  const row = await h.db
    .insertInto('webhook_endpoints')
    .values({ url: 'https://receiver.example/hook', events: ['quest.completed', 'quest.claimed'], enabled: true, secret_encrypted: 'test-not-a-secret', created_by: 'test' } as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  endpoint = (row as { id: string }).id;
});
after(async () => {
  await h?.close();
});

const batch = (grants: unknown[]) => injectInternal(h.app, INTERNAL_TOKEN, { method: 'POST', url: '/internal/grants/batch', payload: { grants } });

function paying(userId: string, questKey: string, completion: number, type: 'quest.completed' | 'quest.claimed' = 'quest.completed'): GrantRequest {
  const at = '2026-03-04T05:06:07.000Z';
  const data = type === 'quest.completed' ? { userId, questKey, completion, completedAt: at, autoClaim: true } : { userId, questKey, completions: [completion], items: [{ currency: 'gold', amount: 3 }], xp: 0, badge: null };
  return {
    userId,
    idempotencyKey: `quest:${userId}:${questKey}:${completion}`,
    items: [{ currency: 'gold', amount: 3 }],
    xp: 0,
    badge: null,
    reason: `quest ${questKey} completion ${completion}`,
    source: { type: 'quest', questKey, completion },
    message: { id: webhookMessageId(type, `${userId}:${questKey}:${completion}`), type, data, at },
  };
}

interface Stored {
  type: string;
  body: { type: string; timestamp: string; data: Record<string, unknown> };
  deliveries: number;
}

async function stored(id: string): Promise<Stored[]> {
  const { rows } = await sql<{ type: string; body: string; deliveries: number }>`
    SELECT m.type, m.body, (SELECT count(*)::int FROM webhook_deliveries d WHERE d.message_id = m.id AND d.endpoint_id = ${endpoint}) AS deliveries
    FROM webhook_messages m WHERE m.id = ${id}`.execute(h.db);
  return rows.map((r) => ({ type: r.type, body: JSON.parse(r.body) as Stored['body'], deliveries: r.deliveries }));
}

describe('messages carried by grants (POST /internal/grants/batch)', () => {
  test('stored with the payment, externalUserId filled in, dated by their cause, to the subscribed endpoint; once however often re-sent', async () => {
    const put = await h.app.inject({ method: 'PUT', url: '/api/v1/users/external/carried-1', headers: bearer(admin.accessToken), payload: {} });
    const userId = put.json().user.id as string;
    const grants = [paying(userId, 'auto', 1), paying(userId, 'manual', 1, 'quest.claimed')];
    for (let round = 0; round < 2; round++) {
      const res = await batch(grants);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json<GrantBatchResponse>().results.map((r) => r.status), round === 0 ? ['applied', 'applied'] : ['duplicate', 'duplicate']);
      const [completed] = await stored(grants[0]!.message!.id);
      assert.deepEqual(completed, {
        type: 'quest.completed',
        body: { type: 'quest.completed', timestamp: '2026-03-04T05:06:07.000Z', data: { userId, externalUserId: 'carried-1', questKey: 'auto', completion: 1, completedAt: '2026-03-04T05:06:07.000Z', autoClaim: true } },
        deliveries: 1,
      }, `round ${round}: one message, one delivery`);
      const claimed = await stored(grants[1]!.message!.id);
      assert.deepEqual(claimed.map((m) => [m.type, m.body.data.externalUserId, m.deliveries]), [['quest.claimed', 'carried-1', 1]]);
    }
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM webhook_messages WHERE type = 'reward.granted' AND body::jsonb #>> '{data,userId}' = ${userId}`.execute(h.db);
    assert.equal(rows[0]!.n, 2, 'the payments still write their reward.granted, once');
  });

  test("a grant auth cannot pay (unknown user) still stores its message: the completion happened", async () => {
    const ghost = randomUUID();
    const p = await player(h.app, 'carried_known');
    const res = await batch([paying(ghost, 'auto', 1), paying(p.id, 'auto', 1)]);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json<GrantBatchResponse>().results.map((r) => r.status), ['unknown_user', 'applied']);
    const [orphan] = await stored(webhookMessageId('quest.completed', `${ghost}:auto:1`));
    assert.equal(orphan!.body.data.externalUserId, null);
    assert.equal((await stored(webhookMessageId('quest.completed', `${p.id}:auto:1`))).length, 1);
  });

  test('a malformed message refuses the whole batch with 400: nothing paid, nothing stored', async () => {
    const p = await player(h.app, 'carried_bad');
    const good = paying(p.id, 'auto', 1);
    const base = paying(p.id, 'auto', 2);
    const someoneElse = { ...base.message!, data: { ...base.message!.data, userId: randomUUID() } };
    for (const message of [{ ...base.message!, type: 'reward.granted' }, { ...base.message!, id: 'x' }, { ...base.message!, data: {} }, { ...base.message!, at: 'yesterday' }, { ...base.message!, extra: 1 }, someoneElse]) {
      const res = await batch([good, { ...base, message }]);
      assert.equal(res.statusCode, 400, JSON.stringify(message));
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
    }
    const { rows } = await sql<{ grants: number; messages: number }>`
      SELECT (SELECT count(*)::int FROM grants WHERE user_id = ${p.id}) AS grants,
             (SELECT count(*)::int FROM webhook_messages WHERE body::jsonb #>> '{data,userId}' = ${p.id}) AS messages`.execute(h.db);
    assert.deepEqual(rows[0], { grants: 0, messages: 0 });
  });

  test('a grant paid before without its message, re-sent with it: a duplicate that pays nothing and stores the message', async () => {
    const p = await player(h.app, 'carried_late');
    const { message, ...bare } = paying(p.id, 'auto', 1);
    const first = await batch([bare]);
    assert.deepEqual(first.json<GrantBatchResponse>().results.map((r) => r.status), ['applied']);
    assert.deepEqual(await stored(message!.id), []);
    const again = await batch([{ ...bare, message }]);
    assert.deepEqual(again.json<GrantBatchResponse>().results.map((r) => r.status), ['duplicate']);
    assert.deepEqual((await stored(message!.id)).map((m) => [m.type, m.deliveries]), [['quest.completed', 1]]);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ledger_entries WHERE user_id = ${p.id}`.execute(h.db);
    assert.equal(rows[0]!.n, 1, 'paid once');
  });

  test('POST /internal/grants (one grant) takes a message too, and refuses one about another user', async () => {
    const p = await player(h.app, 'carried_single');
    const one = (body: unknown) => injectInternal(h.app, INTERNAL_TOKEN, { method: 'POST', url: '/internal/grants', payload: body });
    const g = paying(p.id, 'single', 1);
    const stray = await one({ ...g, message: { ...g.message!, data: { ...g.message!.data, userId: randomUUID() } } });
    assert.equal(stray.statusCode, 400, stray.body);
    assert.equal(stray.json().error.code, 'VALIDATION_FAILED');
    assert.deepEqual(await stored(g.message!.id), [], 'nothing stored');
    const res = await one(g);
    assert.equal(res.statusCode, 201, res.body);
    assert.equal((await stored(g.message!.id))[0]!.body.data.userId, p.id);
  });

  test('without the internal signature the route refuses and stores nothing', async () => {
    const p = await player(h.app, 'carried_unsigned');
    const res = await h.app.inject({ method: 'POST', url: '/internal/grants/batch', payload: { grants: [paying(p.id, 'auto', 1)] } });
    assert.equal(res.statusCode, 401);
    assert.deepEqual(await stored(webhookMessageId('quest.completed', `${p.id}:auto:1`)), []);
  });
});
