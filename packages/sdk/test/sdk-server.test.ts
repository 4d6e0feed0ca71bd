/**
 * The SDK as a product's server uses it, against a real stack through the gateway: an API key
 * made by an admin, a user under the product's own id, a batch of server events that pays, a
 * minted player session, grants and debits (replays, INSUFFICIENT_FUNDS as a typed error), a
 * missing scope; and the webhooks our server sends, to a real receiver on loopback, accepted by
 * verifyWebhook, with a tampered body, an old timestamp and another secret refused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually, startTestStack, type TestStack } from '@questline/testkit';
import { createQuestline, isQuestlineError, type PlayerClient, type ServerClient } from '../src/index.js';
import { verifyWebhook, WebhookVerificationError, type WebhookMessage } from '../src/webhooks.js';

let stack: TestStack;
let admin: PlayerClient;
let server: ServerClient;
const tag = randomBytes(3).toString('hex');

async function createKey(scopes: ('events:write' | 'users:write' | 'users:read' | 'catalog:write' | 'webhooks:write')[]) {
  const { data, response } = await admin.raw.POST('/api/v1/admin/api-keys', { body: { name: `sdk ${tag}`, scopes } });
  assert.equal(response.status, 201);
  return data!.secret;
}

before(async () => {
  stack = await startTestStack({ name: 'sdkserver' });
  admin = createQuestline({ baseUrl: stack.gateway });
  await admin.login(stack.admin.username, stack.admin.password);
  server = createQuestline({ baseUrl: stack.gateway, apiKey: await createKey(['events:write', 'users:write', 'users:read', 'webhooks:write']) });
});

after(async () => {
  await stack?.close();
});

const yesterdayNoon = () => {
  const d = new Date();
  d.setUTCHours(12, 0, 0, 0);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString();
};

describe('a product server with an API key', () => {
  const externalId = `shop:${tag}@eu`;
  let userId: string;

  test('upserts a user by its own id: created, then updated; read back', async () => {
    const first = await server.upsertExternalUser(externalId, { timezone: 'Europe/Paris' });
    assert.equal(first.created, true);
    assert.equal(first.user.externalId, externalId);
    userId = first.user.id;
    const second = await server.upsertExternalUser(externalId, { timezone: 'Asia/Tokyo' });
    assert.deepEqual([second.created, second.user.id, second.user.timezone], [false, userId, 'Asia/Tokyo']);
    assert.equal((await server.getExternalUser(externalId)).id, userId);
    await assert.rejects(server.getExternalUser(`nobody-${tag}`), (e) => isQuestlineError(e, 'NOT_FOUND') && e.status === 404);
  });

  test('sends a batch of events (two days of logins pay Daily Login twice); the same ids again are duplicates', async () => {
    const events = [
      { id: `b1-${tag}`, externalUserId: externalId, type: 'login', occurredAt: yesterdayNoon() },
      { id: `b2-${tag}`, externalUserId: externalId, type: 'login' },
    ];
    const sent = await server.sendEvents(events);
    assert.deepEqual([sent.accepted, sent.duplicates, sent.rejected], [2, 0, []]);
    const again = await server.sendEvents(events);
    assert.deepEqual([again.accepted, again.duplicates], [0, 2]);
    // Generated ids: a batch without ids is accepted too.
    const generated = await server.sendEvents([{ userId, type: `sdk.visit.${tag}` }]);
    assert.equal(generated.accepted, 1);
    const single = await server.sendEvent({ externalUserId: externalId, type: `sdk.visit.${tag}` });
    assert.equal(single.duplicate, false);
    await eventually(async () => (await server.getExternalUser(externalId)).balances.gold === 20, 15_000, '20 gold from two daily logins');
  });

  test("mints a session the product's client uses as that player", async () => {
    const minted = await server.mintSession(userId, { ttlSeconds: 600 });
    assert.equal(minted.expiresIn, 600);
    const player = createQuestline({ baseUrl: stack.gateway, session: { accessToken: minted.accessToken } });
    const me = await player.me();
    assert.deepEqual([me.id, me.externalId], [userId, externalId]);
    assert.equal((await player.myQuests()).find((v) => v.quest.key === 'daily-login')?.completions, 2);
  });

  test('grants and debits: a replayed key pays or takes once; too much is INSUFFICIENT_FUNDS, a typed error, and takes nothing', async () => {
    const grant = await server.grant(userId, { currency: 'gold', amount: 5, reason: 'welcome', idempotencyKey: `g-${tag}` });
    assert.deepEqual([grant.entry.amount, grant.replayed], [5, false]);
    const grantAgain = await server.grant(userId, { currency: 'gold', amount: 5, reason: 'welcome', idempotencyKey: `g-${tag}` });
    assert.deepEqual([grantAgain.entry.id, grantAgain.replayed], [grant.entry.id, true]);

    const debit = await server.debit(userId, { currency: 'gold', amount: 7, reason: 'shop', idempotencyKey: `d-${tag}` });
    assert.deepEqual([debit.entry.amount, debit.entry.source.type, debit.replayed], [-7, 'debit', false]);
    const debitAgain = await server.debit(userId, { currency: 'gold', amount: 7, reason: 'shop', idempotencyKey: `d-${tag}` });
    assert.deepEqual([debitAgain.entry.id, debitAgain.replayed], [debit.entry.id, true]);

    const error = await server.debit(userId, { currency: 'gold', amount: 1_000, reason: 'too much', idempotencyKey: `d2-${tag}` }).then(
      () => assert.fail('a debit beyond the balance'),
      (e: unknown) => e,
    );
    assert.ok(isQuestlineError(error, 'INSUFFICIENT_FUNDS'));
    assert.equal(error.status, 409);
    assert.match(error.requestId ?? '', /.+/);
    assert.equal((await server.getExternalUser(externalId)).balances.gold, 18, '20 + 5 - 7, nothing taken by the refused debit');
  });

  test('a refused body names every wrong field: fields, the first also as field', async () => {
    const error = await server
      .debit(userId, { currency: 'NOT A CODE', amount: -1, reason: 'x', idempotencyKey: `d4-${tag}` })
      .then(() => assert.fail('an invalid debit'), (e: unknown) => e);
    assert.ok(isQuestlineError(error, 'VALIDATION_FAILED'));
    assert.deepEqual(error.fields.map((f) => f.field).sort(), ['amount', 'currency']);
    assert.equal(error.field, error.fields[0]?.field);
  });

  test('a key without the scope a call needs is FORBIDDEN; an unknown key UNAUTHENTICATED', async () => {
    const readOnly = createQuestline({ baseUrl: stack.gateway, apiKey: await createKey(['users:read']) });
    await assert.rejects(readOnly.debit(userId, { currency: 'gold', amount: 1, reason: 'x', idempotencyKey: `d3-${tag}` }), (e) => isQuestlineError(e, 'FORBIDDEN') && e.status === 403);
    const unknown = createQuestline({ baseUrl: stack.gateway, apiKey: `qlk_00000000_${'0'.repeat(43)}` });
    await assert.rejects(unknown.getExternalUser(externalId), (e) => isQuestlineError(e, 'UNAUTHENTICATED'));
  });
});

describe('webhooks to a real receiver, checked with verifyWebhook', () => {
  let receiver: Server;
  const got: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];

  before(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });

  after(async () => {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });

  test('user.created and wallet.debited verify with the secret; tampered, old, future or foreign-secret messages are refused', async () => {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    const created = await server.raw.POST('/api/v1/admin/webhooks', { body: { url, events: ['user.created', 'wallet.debited'] } });
    assert.equal(created.response.status, 201);
    const { secret, webhook } = created.data!;

    const { user } = await server.upsertExternalUser(`hooked-${tag}`);
    await server.grant(user.id, { currency: 'gold', amount: 3, reason: 'seed', idempotencyKey: `hg-${tag}` });
    await server.debit(user.id, { currency: 'gold', amount: 2, reason: 'shop', idempotencyKey: `hd-${tag}` });
    await eventually(async () => got.length >= 2, 15_000, 'user.created and wallet.debited received');

    const messages: WebhookMessage[] = got.map((m) => verifyWebhook({ secret, headers: m.headers, body: m.body }));
    const byType = new Map(messages.map((m) => [m.type, m]));
    const userCreated = byType.get('user.created');
    assert.ok(userCreated?.type === 'user.created' && userCreated.data.user.id === user.id);
    const debited = byType.get('wallet.debited');
    assert.ok(debited?.type === 'wallet.debited' && debited.data.entry.amount === -2 && debited.data.externalUserId === `hooked-${tag}`);

    const sample = got[0]!;
    const refused = (opts: Partial<Parameters<typeof verifyWebhook>[0]>) => {
      try {
        verifyWebhook({ secret, headers: sample.headers, body: sample.body, ...opts });
        return 'accepted';
      } catch (e) {
        assert.ok(e instanceof WebhookVerificationError);
        return e.reason;
      }
    };
    const sentAt = Number(sample.headers['webhook-timestamp']);
    assert.equal(refused({ body: sample.body.replace(/"type":"[^"]+"/, '"type":"webhook.test"') }), 'bad-signature');
    assert.equal(refused({ now: (sentAt + 301) * 1000 }), 'timestamp-too-old');
    assert.equal(refused({ now: (sentAt - 301) * 1000 }), 'timestamp-in-future');
    assert.equal(refused({ secret: `whsec_${randomBytes(32).toString('base64')}` }), 'bad-signature');

    // A rotation: for a day each message carries both signatures, and either secret verifies it.
    const rotated = await server.raw.POST('/api/v1/admin/webhooks/{id}/rotate-secret', { params: { path: { id: webhook.id } } });
    assert.equal(rotated.response.status, 200);
    const before = got.length;
    const tested = await server.raw.POST('/api/v1/admin/webhooks/{id}/test', { params: { path: { id: webhook.id } } });
    assert.equal(tested.response.status, 200);
    await eventually(async () => got.length > before, 15_000, 'the test message');
    const test = got[before]!;
    assert.equal(String(test.headers['webhook-signature']).split(' ').length, 2);
    assert.equal(verifyWebhook({ secret, headers: test.headers, body: test.body }).type, 'webhook.test');
    assert.equal(verifyWebhook({ secret: rotated.data!.secret, headers: test.headers, body: test.body }).type, 'webhook.test');
  });
});
