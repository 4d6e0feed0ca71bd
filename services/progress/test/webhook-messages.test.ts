/**
 * quest.completed / quest.claimed (api.md v1.2): written in the transaction of the completion or
 * the claim, one per cause (a repeated cause adds none). A completion that pays at once (auto-claim)
 * sends its message with its grant (in the grant outbox's payload, to auth's grant batch); the others
 * (a completion waiting for its claim, and then the claim) go alone, handed to auth by the webhook
 * relay in batches, the same ids again after a failed attempt.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { webhookMessageId, type InternalUser } from '@questline/contracts';
import { startHarness, type Harness } from './support/harness.js';
import { dailyLogin, signInThreeTimes } from './support/quests.js';

interface MessageRow {
  id: string;
  type: string;
  data: Record<string, unknown>;
  occurred_at: Date;
  delivered_at: Date | null;
  /** 'grant': in the payload of the grant it travels with; 'alone': a row of the webhook outbox. */
  via: 'grant' | 'alone';
}

const FAR_FUTURE = () => new Date(Date.now() + 24 * 3600_000);

describe('webhook messages of progress', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('progress_webhook_messages', [dailyLogin, signInThreeTimes]);
  });
  after(async () => {
    await h.close();
  });

  const bearer = async (user: InternalUser) => ({ authorization: `Bearer ${await h.auth.token(user)}` });
  const messagesOf = (userId: string) =>
    h.sql<MessageRow>(
      `SELECT * FROM (
         SELECT id, type, data, occurred_at, delivered_at, 'alone' AS via FROM webhook_outbox WHERE data->>'userId' = $1::text
         UNION ALL
         SELECT (payload->'message'->>'id')::uuid, payload->'message'->>'type', payload->'message'->'data', (payload->'message'->>'at')::timestamptz, delivered_at, 'grant'
         FROM grant_outbox WHERE user_id = $1::uuid AND payload ? 'message') m
       ORDER BY type, (data->>'completion')::int, data->>'questKey'`,
      [userId],
    );
  const drainGrants = async () => {
    for (let i = 0; i < 20; i++) {
      const { delivered, failed } = await h.ctx.relay.runOnce({ dueBy: FAR_FUTURE() });
      if (delivered === 0 && failed === 0) return;
    }
    throw new Error('grant outbox did not drain');
  };
  const drainWebhooks = async () => {
    for (let i = 0; i < 20; i++) {
      const { delivered, failed } = await h.ctx.webhookRelay.runOnce({ dueBy: FAR_FUTURE() });
      if (delivered === 0 && failed === 0) return;
    }
    throw new Error('webhook outbox did not drain');
  };

  test('every completion of a batch writes one quest.completed, a repeated batch none, a claim one quest.claimed', async () => {
    const admin = h.auth.addUser({ role: 'admin' });
    const user = h.auth.addUser();
    const daysAgo = (days: number) => DateTime.utc().minus({ days }).toISO()!;
    const events = [2, 1, 0].map((d) => ({ id: `wh-login-${d}`, userId: user.id, type: 'login', occurredAt: daysAgo(d) }));
    const first = await h.app.inject({ method: 'POST', url: '/api/v1/admin/events', headers: await bearer(admin), payload: { events } });
    assert.equal(first.statusCode, 200, first.body);

    const completed = await messagesOf(user.id);
    assert.deepEqual(
      completed.map((m) => [m.type, m.data.questKey, m.data.completion, m.data.autoClaim, m.via]),
      [
        ['quest.completed', 'daily-login', 1, true, 'grant'],
        ['quest.completed', 'sign-in-three-times', 1, false, 'alone'],
        ['quest.completed', 'daily-login', 2, true, 'grant'],
        ['quest.completed', 'daily-login', 3, true, 'grant'],
      ],
    );
    const paid = completed.find((m) => m.data.questKey === 'daily-login' && m.data.completion === 2)!;
    const [carrier] = await h.sql<{ key: string }>("SELECT idempotency_key AS key FROM grant_outbox WHERE payload->'message'->>'id' = $1", [paid.id]);
    assert.equal(carrier!.key, `quest:${user.id}:daily-login:2`, 'a paying completion travels with its own grant');
    const [completion] = await h.sql<{ at: Date }>("SELECT completed_at AS at FROM completions WHERE user_id = $1 AND quest_key = 'daily-login' AND number = 2", [user.id]);
    assert.equal(paid.occurred_at.toISOString(), completion!.at.toISOString(), 'dated by the completion there too');
    assert.equal(paid.data.completedAt, completion!.at.toISOString());
    const streak = completed.find((m) => m.data.questKey === 'sign-in-three-times')!;
    assert.equal(streak.id, webhookMessageId('quest.completed', `${user.id}:sign-in-three-times:1`), 'the id is derived from the completion');
    assert.deepEqual(Object.keys(streak.data).sort(), ['autoClaim', 'completedAt', 'completion', 'questKey', 'userId']);
    assert.equal(streak.data.completedAt, streak.occurred_at.toISOString(), 'the message is dated by the completion');
    assert.equal(new Date(streak.data.completedAt as string).toISOString(), DateTime.fromISO(events[2]!.occurredAt).toUTC().toISO());

    const again = await h.app.inject({ method: 'POST', url: '/api/v1/admin/events', headers: await bearer(admin), payload: { events } });
    assert.deepEqual(again.json(), { accepted: 0, duplicates: 3, rejected: [] });
    assert.equal((await messagesOf(user.id)).length, 4, 'a repeated batch completes nothing and writes nothing');

    const claim = await h.app.inject({ method: 'POST', url: '/api/v1/me/quests/sign-in-three-times/claim', headers: await bearer(user) });
    assert.equal(claim.statusCode, 200, claim.body);
    const refused = await h.app.inject({ method: 'POST', url: '/api/v1/me/quests/sign-in-three-times/claim', headers: await bearer(user) });
    assert.equal(refused.statusCode, 409, 'nothing left to claim');
    const claimed = (await messagesOf(user.id)).filter((m) => m.type === 'quest.claimed');
    assert.equal(claimed.length, 1, 'one claim, one message; a refused claim none');
    assert.equal(claimed[0]!.via, 'alone', "a claim's message goes the way its completions' went, after them");
    assert.deepEqual(claimed[0]!.data, {
      userId: user.id,
      questKey: 'sign-in-three-times',
      completions: [1],
      items: [{ currency: 'diamond', amount: 10 }],
      xp: 0,
      badge: null,
    });
  });

  test('an event that completes nothing writes no message', async () => {
    const user = h.auth.addUser();
    // Already completed today: the second login of the day completes nothing more.
    for (const id of ['a', 'b']) assert.equal((await h.serverEvent(user.id, { id: `quiet-${id}`, type: 'login' })).statusCode, 200);
    assert.deepEqual((await messagesOf(user.id)).map((m) => [m.data.questKey, m.data.completion]), [['daily-login', 1]]);
  });

  test('a paying completion reaches auth inside its grant, the same message again when the grant is re-sent', async () => {
    const user = h.auth.addUser();
    await drainGrants();
    await drainWebhooks();
    const grantsBefore = h.auth.grantCalls.length;
    const webhooksBefore = h.auth.webhookCalls.length;
    h.auth.failNextGrants(1);
    await h.serverEvent(user.id, { id: 'carried-login', type: 'login' });
    await drainGrants();
    await drainWebhooks();
    const calls = h.auth.grantCalls.slice(grantsBefore).filter((c) => c.body.userId === user.id);
    assert.deepEqual(calls.map((c) => c.status), [503, 201], 'a refused batch, then the retry that pays');
    const id = webhookMessageId('quest.completed', `${user.id}:daily-login:1`);
    for (const call of calls) {
      assert.equal(call.body.idempotencyKey, `quest:${user.id}:daily-login:1`);
      assert.equal(call.body.message?.id, id, 'the message rides with the grant, the same id each time');
      assert.equal(call.body.message?.type, 'quest.completed');
      assert.equal((call.body.message?.data as Record<string, unknown>).externalUserId, undefined, 'auth fills in the external id');
    }
    const alone = h.auth.webhookCalls.slice(webhooksBefore).flatMap((c) => c.body.messages).filter((m) => m.data.userId === user.id);
    assert.deepEqual(alone, [], 'and is not handed over a second time on its own');
  });

  test('the relay hands the messages to auth in one request, the same ids again after a failure, then settles them', async () => {
    const user = h.auth.addUser();
    const admin = h.auth.addUser({ role: 'admin' });
    const mine = (call: (typeof h.auth.webhookCalls)[number]) => call.body.messages.filter((m) => m.data.userId === user.id);
    // The failure is armed before the events: the commit nudges the relay, whose pass (20 ms later)
    // may run before the answer reaches the test; what earlier tests left goes out first.
    await drainWebhooks();
    const before = h.auth.webhookCalls.length;
    h.auth.failNextWebhookMessages(1);
    // Three days in a row complete the streak quest, whose reward waits for a claim: its message goes alone.
    const events = [2, 1, 0].map((d) => ({ id: `relay-login-${d}`, userId: user.id, type: 'login', occurredAt: DateTime.utc().minus({ days: d }).toISO()! }));
    const sent = await h.app.inject({ method: 'POST', url: '/api/v1/admin/events', headers: await bearer(admin), payload: { events } });
    assert.equal(sent.statusCode, 200, sent.body);
    await drainWebhooks();

    const calls = h.auth.webhookCalls.slice(before).filter((c) => mine(c).length > 0);
    assert.deepEqual(calls.map((c) => c.status), [503, 200], 'a failed attempt, then the retry');
    const [failed, delivered] = calls.map((c) => mine(c));
    assert.deepEqual(delivered, failed, 'the same messages, with the same ids, again');
    assert.equal(delivered!.length, 1);
    const [message] = delivered!;
    assert.equal(message!.type, 'quest.completed');
    assert.equal(message!.id, webhookMessageId('quest.completed', `${user.id}:sign-in-three-times:1`));
    assert.equal((message!.data as Record<string, unknown>).externalUserId, undefined, 'auth fills in the external id');
    const rows = (await messagesOf(user.id)).filter((r) => r.via === 'alone');
    assert.ok(rows.length === 1 && rows.every((r) => r.delivered_at !== null), 'settled as delivered');
    const left = await h.sql<{ n: number }>('SELECT count(*)::int AS n FROM webhook_outbox WHERE delivered_at IS NULL');
    assert.equal(left[0]!.n, 0, 'nothing left behind');
  });
});
