/**
 * Webhook messages (api.md v1.2) written by auth's causes in their own transactions: one message
 * per cause, none more for a retried cause, none for a refused one, fanned out only to the live
 * endpoints subscribed to the type; and progress's hand-over at POST /internal/webhook-messages.
 * Endpoints are inserted by SQL: this file is about the causes, not the admin routes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { webhookMessageId } from '@questline/contracts';
import { injectInternal } from '@questline/testkit';
import { INTERNAL_TOKEN, bearer, grant, loginAdmin, player, signup, startAuth, type Harness, type Tokens } from './support.js';

let h: Harness;
let admin: Tokens;
const endpoints: Record<'all' | 'usersOnly' | 'disabled' | 'deleted', string> = { all: '', usersOnly: '', disabled: '', deleted: '' };
const ALL = ['quest.completed', 'quest.claimed', 'reward.granted', 'wallet.debited', 'user.created', 'user.banned', 'user.unbanned'];

async function addEndpoint(events: string[], opts: { enabled?: boolean; deleted?: boolean } = {}): Promise<string> {
  const row = await h.db
    .insertInto('webhook_endpoints')
    .values({
      url: 'https://receiver.example/hook',
      events,
      enabled: opts.enabled ?? true,
      secret_encrypted: 'test-not-a-secret',
      created_by: 'test',
      deleted_at: opts.deleted ? new Date() : null,
    } as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return (row as { id: string }).id;
}

before(async () => {
  h = await startAuth();
  admin = await loginAdmin(h.app);
  endpoints.all = await addEndpoint(ALL);
  endpoints.usersOnly = await addEndpoint(['user.created']);
  endpoints.disabled = await addEndpoint(ALL, { enabled: false });
  endpoints.deleted = await addEndpoint(ALL, { deleted: true });
});
after(async () => {
  await h?.close();
});

interface Message {
  id: string;
  type: string;
  body: { type: string; timestamp: string; data: Record<string, unknown> & { user?: { id: string }; entry?: Record<string, unknown> } };
  endpoints: string[];
}

/** The messages about a user (its id in data.userId or data.user.id), oldest first, with the endpoints they went to. */
async function messagesOf(userId: string): Promise<Message[]> {
  const { rows } = await sql<{ id: string; type: string; body: string; endpoints: string[] }>`
    SELECT m.id, m.type, m.body, coalesce(array_agg(d.endpoint_id::text ORDER BY d.endpoint_id) FILTER (WHERE d.id IS NOT NULL), '{}') AS endpoints
    FROM webhook_messages m LEFT JOIN webhook_deliveries d ON d.message_id = m.id
    WHERE m.body::jsonb #>> '{data,userId}' = ${userId} OR m.body::jsonb #>> '{data,user,id}' = ${userId}
    GROUP BY m.id, m.type, m.body, m.created_at ORDER BY m.created_at, m.id`.execute(h.db);
  return rows.map((r) => ({ id: r.id, type: r.type, body: JSON.parse(r.body) as Message['body'], endpoints: r.endpoints }));
}
const types = async (userId: string) => (await messagesOf(userId)).map((m) => m.type);
const sorted = (ids: string[]) => [...ids].sort();

describe('user.created', () => {
  test('a signup writes one, to the endpoints subscribed to it and live', async () => {
    const user = await signup(h.app, 'wh_signup');
    const [message, ...rest] = await messagesOf(user.id);
    assert.equal(rest.length, 0);
    assert.equal(message!.type, 'user.created');
    assert.equal(message!.id, webhookMessageId('user.created', user.id));
    assert.equal(message!.body.type, 'user.created');
    assert.equal(message!.body.data.user!.id, user.id);
    assert.deepEqual((message!.body.data.user as unknown as { balances: unknown }).balances, { gold: 0, diamond: 0 });
    assert.deepEqual(message!.endpoints, sorted([endpoints.all, endpoints.usersOnly]), 'not to a disabled or a deleted endpoint');
  });

  test('an external id: one when PUT creates the user, none when it updates; resolve: one per user it creates', async () => {
    const put = (externalId: string, payload: Record<string, unknown>) =>
      h.app.inject({ method: 'PUT', url: `/api/v1/users/external/${externalId}`, headers: bearer(admin.accessToken), payload });
    const created = await put('wh-ext-1', { timezone: 'Europe/Paris' });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().user.id as string;
    assert.equal((await put('wh-ext-1', { timezone: 'Asia/Tokyo' })).statusCode, 200);
    const [message, ...rest] = await messagesOf(id);
    assert.equal(rest.length, 0, 'the update wrote nothing');
    assert.equal(message!.type, 'user.created');
    assert.equal((message!.body.data.user as unknown as { externalId: string }).externalId, 'wh-ext-1');

    const resolve = (users: unknown) => injectInternal(h.app, INTERNAL_TOKEN, { method: 'POST', url: '/internal/users/external/resolve', payload: { users } });
    const first = await resolve([{ externalId: 'wh-ext-1' }, { externalId: 'wh-ext-2' }, { externalId: 'wh-ext-3' }]);
    assert.equal(first.statusCode, 200, first.body);
    const again = await resolve([{ externalId: 'wh-ext-2' }, { externalId: 'wh-ext-3' }]);
    const users = first.json().users as Array<{ externalId: string; created: boolean; user: { id: string } }>;
    assert.deepEqual(users.map((u) => u.created), [false, true, true]);
    assert.ok((again.json().users as Array<{ created: boolean }>).every((u) => !u.created));
    for (const u of users) assert.deepEqual(await types(u.user.id), ['user.created'], u.externalId);
  });
});

describe('reward.granted and wallet.debited', () => {
  test('a quest grant writes one reward.granted per ledger entry, its retry none', async () => {
    const p = await player(h.app, 'wh_quest_grant');
    const request = {
      userId: p.id,
      idempotencyKey: `quest:${p.id}:wh:1`,
      items: [{ currency: 'gold', amount: 10 }, { currency: 'diamond', amount: 2 }],
      xp: 5,
      reason: 'quest wh completion 1',
      source: { type: 'quest', questKey: 'wh', completion: 1 },
    };
    const first = await grant(h.app, request);
    assert.equal(first.statusCode, 201, first.body);
    assert.equal((await grant(h.app, request)).statusCode, 200);
    const rewards = (await messagesOf(p.id)).filter((m) => m.type === 'reward.granted');
    assert.deepEqual(sorted(rewards.map((m) => m.body.data.entry!.id as string)), sorted(first.json().entryIds));
    for (const m of rewards) {
      assert.equal(m.id, webhookMessageId('reward.granted', m.body.data.entry!.id as string));
      assert.equal(m.body.data.userId, p.id);
      assert.equal(m.body.data.externalUserId, null);
      assert.deepEqual(m.body.data.entry!.source, { type: 'quest', questKey: 'wh', completion: 1 });
      assert.deepEqual(m.endpoints, [endpoints.all]);
    }
  });

  test('an admin grant writes one; the same key again none; a refused one none', async () => {
    const p = await player(h.app, 'wh_admin_grant');
    const post = (payload: Record<string, unknown>) =>
      h.app.inject({ method: 'POST', url: `/api/v1/admin/users/${p.id}/grants`, headers: bearer(admin.accessToken), payload });
    const body = { currency: 'gold', amount: 7, reason: 'goodwill', idempotencyKey: 'wh-1' };
    const first = await post(body);
    assert.equal(first.statusCode, 201, first.body);
    assert.equal((await post(body)).statusCode, 200);
    assert.equal((await post({ ...body, amount: 8 })).statusCode, 409, 'the key reused for another grant');
    assert.equal((await post({ ...body, currency: 'rubies', idempotencyKey: 'wh-2' })).statusCode, 400);
    const rewards = (await messagesOf(p.id)).filter((m) => m.type === 'reward.granted');
    assert.equal(rewards.length, 1);
    assert.deepEqual(rewards[0]!.body.data.entry, first.json().entry);
  });

  test('a debit writes one wallet.debited; its retry none; refused debits none', async () => {
    const p = await player(h.app, 'wh_debit');
    const paid = await h.app.inject({
      method: 'POST',
      url: `/api/v1/admin/users/${p.id}/grants`,
      headers: bearer(admin.accessToken),
      payload: { currency: 'gold', amount: 10, reason: 'seed', idempotencyKey: 'wh-seed' },
    });
    assert.equal(paid.statusCode, 201, paid.body);
    const debit = (payload: Record<string, unknown>) =>
      h.app.inject({ method: 'POST', url: `/api/v1/users/${p.id}/debits`, headers: bearer(admin.accessToken), payload });
    const body = { currency: 'gold', amount: 4, reason: 'shop', idempotencyKey: 'wh-d1' };
    const first = await debit(body);
    assert.equal(first.statusCode, 201, first.body);
    assert.equal((await debit(body)).statusCode, 200);
    const broke = await debit({ ...body, amount: 100, idempotencyKey: 'wh-d2' });
    assert.equal(broke.statusCode, 409, broke.body);
    const debits = (await messagesOf(p.id)).filter((m) => m.type === 'wallet.debited');
    assert.equal(debits.length, 1);
    assert.deepEqual(debits[0]!.body.data.entry, first.json().entry);
    assert.equal(debits[0]!.body.data.entry!.amount, -4);
  });
});

describe('user.banned and user.unbanned', () => {
  test('a ban writes one, a ban of a banned user none, an unban one; a change of role none', async () => {
    const p = await player(h.app, 'wh_ban');
    const patch = (payload: Record<string, unknown>) =>
      h.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${p.id}`, headers: bearer(admin.accessToken), payload });
    assert.equal((await patch({ status: 'banned' })).statusCode, 200);
    assert.equal((await patch({ status: 'banned' })).statusCode, 200);
    // A debit refused because of the ban writes nothing either.
    const refused = await h.app.inject({
      method: 'POST',
      url: `/api/v1/users/${p.id}/debits`,
      headers: bearer(admin.accessToken),
      payload: { currency: 'gold', amount: 1, reason: 'shop', idempotencyKey: 'wh-banned' },
    });
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal((await patch({ status: 'active' })).statusCode, 200);
    assert.equal((await patch({ role: 'admin' })).statusCode, 200);
    const messages = (await messagesOf(p.id)).filter((m) => m.type !== 'user.created');
    assert.deepEqual(messages.map((m) => m.type), ['user.banned', 'user.unbanned']);
    assert.equal((messages[0]!.body.data.user as unknown as { status: string }).status, 'banned');
    assert.equal((messages[1]!.body.data.user as unknown as { status: string }).status, 'active');
    assert.notEqual(messages[0]!.id, messages[1]!.id);
  });
});

describe('POST /internal/webhook-messages', () => {
  const send = (messages: unknown[]) => injectInternal(h.app, INTERNAL_TOKEN, { method: 'POST', url: '/internal/webhook-messages', payload: { messages } });

  test("stores progress's messages once, with externalUserId filled in, to the endpoints subscribed", async () => {
    const put = await h.app.inject({ method: 'PUT', url: '/api/v1/users/external/wh-progress', headers: bearer(admin.accessToken), payload: {} });
    const userId = put.json().user.id as string;
    const unknownUser = randomUUID();
    const completedAt = '2026-01-02T03:04:05.000Z';
    const messages = [
      {
        id: webhookMessageId('quest.completed', `${userId}:q:1`),
        type: 'quest.completed',
        data: { userId, questKey: 'q', completion: 1, completedAt, autoClaim: false },
        at: completedAt,
      },
      {
        id: webhookMessageId('quest.claimed', `${userId}:q:1`),
        type: 'quest.claimed',
        data: { userId, questKey: 'q', completions: [1], items: [{ currency: 'gold', amount: 1 }], xp: 0, badge: null },
        at: '2026-01-02T03:05:00.000Z',
      },
      { id: randomUUID(), type: 'quest.completed', data: { userId: unknownUser, questKey: 'q', completion: 1, completedAt, autoClaim: true }, at: completedAt },
    ];
    const first = await send(messages);
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual(first.json(), { stored: 3 });
    const again = await send(messages);
    assert.deepEqual(again.json(), { stored: 0 }, 'a re-sent batch stores nothing');

    const stored = (await messagesOf(userId)).filter((m) => m.type.startsWith('quest.'));
    assert.deepEqual(stored.map((m) => m.type).sort(), ['quest.claimed', 'quest.completed']);
    const completed = stored.find((m) => m.type === 'quest.completed')!;
    assert.equal(completed.id, messages[0]!.id);
    assert.deepEqual(completed.body, {
      type: 'quest.completed',
      timestamp: completedAt,
      data: { userId, externalUserId: 'wh-progress', questKey: 'q', completion: 1, completedAt, autoClaim: false },
    });
    assert.deepEqual(completed.endpoints, [endpoints.all], 'not to an endpoint subscribed to user.created only');
    const [orphan] = await messagesOf(unknownUser);
    assert.equal(orphan!.body.data.externalUserId, null, 'a user auth does not have: the event stands, without an external id');
  });

  test('bad input is a 400, not stored: an unknown or auth-owned type, no user id, no messages', async () => {
    const base = { id: randomUUID(), type: 'quest.completed', data: { userId: randomUUID() }, at: new Date().toISOString() };
    for (const bad of [[{ ...base, type: 'reward.granted' }], [{ ...base, type: 'nope' }], [{ ...base, data: {} }], [{ ...base, id: 'x' }], []]) {
      const res = await send(bad);
      assert.equal(res.statusCode, 400, JSON.stringify(bad));
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
    }
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM webhook_messages WHERE id = ${base.id}`.execute(h.db);
    assert.equal(rows[0]!.n, 0);
  });
});
