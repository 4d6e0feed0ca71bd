/**
 * Webhook messages end to end, through the gateway and the real services (api.md v1.2): a server
 * event completing the auto-claim daily-login writes quest.completed in progress's transaction, inside
 * the grant that pays it; the grant relay hands both to auth, which stores the message (externalUserId
 * filled in) beside the reward.granted of the payment, each once, fanned out to the subscribed endpoint. The endpoint
 * is inserted by SQL: this is about the causes and the hand-over, not the admin routes or delivery.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { apiClient, eventually, startTestStack, type ApiCall, type TestStack } from '@questline/testkit';

let stack: TestStack;
let api: ApiCall;
let adminToken: string;
let authDb: pg.Client;

before(async () => {
  stack = await startTestStack({ name: 'webhook_causes' });
  api = apiClient(stack.gateway);
  const login = await api('POST', '/api/v1/auth/login', { body: stack.admin });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  adminToken = login.body.accessToken;
  authDb = new pg.Client({ connectionString: stack.databases.auth });
  await authDb.connect();
});
after(async () => {
  await authDb?.end();
  await stack?.close();
});

test('an auto-claim completion reaches auth as quest.completed, beside reward.granted, once each', async () => {
  const { rows: endpoint } = await authDb.query<{ id: string }>(
    `INSERT INTO webhook_endpoints (url, events, secret_encrypted, created_by)
     VALUES ('https://receiver.example/hook', ARRAY['quest.completed', 'reward.granted'], 'test-not-a-secret', 'test') RETURNING id`,
  );
  const externalId = `wh-e2e-${randomUUID().slice(0, 8)}`;
  const put = await api('PUT', `/api/v1/users/external/${externalId}`, { token: adminToken, body: {} });
  assert.equal(put.status, 201, JSON.stringify(put.body));
  const userId = put.body.user.id as string;

  const events = [{ id: 'wh-login', userId, type: 'login', occurredAt: new Date().toISOString() }];
  for (let i = 0; i < 2; i++) {
    const res = await api('POST', '/api/v1/admin/events', { token: adminToken, body: { events } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }

  const messagesOf = async () =>
    (
      await authDb.query<{ type: string; body: string; deliveries: number }>(
        `SELECT m.type, m.body, (SELECT count(*)::int FROM webhook_deliveries d WHERE d.message_id = m.id AND d.endpoint_id = $2) AS deliveries
         FROM webhook_messages m WHERE m.body::jsonb #>> '{data,userId}' = $1 ORDER BY m.type`,
        [userId, endpoint[0]!.id],
      )
    ).rows;
  const messages = await eventually(async () => {
    const rows = await messagesOf();
    return rows.length >= 2 ? rows : undefined;
  }, 15_000, 'quest.completed and reward.granted in auth');
  assert.deepEqual(messages.map((m) => m.type), ['quest.completed', 'reward.granted']);
  assert.ok(messages.every((m) => m.deliveries === 1), 'each fanned out to the subscribed endpoint');
  const completed = JSON.parse(messages[0]!.body) as { data: Record<string, unknown> };
  assert.deepEqual(
    { ...completed.data, completedAt: undefined },
    { userId, externalUserId: externalId, questKey: 'daily-login', completion: 1, completedAt: undefined, autoClaim: true },
  );
  const reward = JSON.parse(messages[1]!.body) as { data: { externalUserId: string; entry: { amount: number; source: Record<string, unknown> } } };
  assert.equal(reward.data.externalUserId, externalId);
  assert.deepEqual(reward.data.entry.source, { type: 'quest', questKey: 'daily-login', completion: 1 });

  // Both relays have settled (the progress backlog is empty): still one message each.
  await eventually(async () => {
    const text = await (await fetch(`${stack.urls.progress}/metrics`)).text();
    const backlogs = text.split('\n').filter((l) => l.startsWith('questline_outbox_backlog{'));
    const of = (relay: string) => backlogs.find((l) => l.includes(`relay="${relay}"`))?.split(' ').pop();
    return of('webhook-messages') === '0' && of('grants') === '0';
  }, 15_000, 'the progress relays to drain');
  assert.equal((await messagesOf()).length, 2);
});
