/**
 * Webhooks (api.md v1.2) end to end through the gateway, with a real HTTP receiver on loopback
 * (the test stack allows http and private addresses, as npm start does): an auto-claim completion
 * produces quest.completed and reward.granted signed so that the Standard Webhooks reference
 * library verifies them; a failing receiver is retried with one webhook-id; a rotation signs with
 * both secrets; auth killed with SIGKILL mid-delivery still delivers after its restart.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { apiClient, eventually, startTestStack, type ApiCall, type TestStack } from '@questline/testkit';

let stack: TestStack;
let api: ApiCall;
let adminToken: string;
const tag = randomBytes(3).toString('hex');
const GOLD_REWARD = '5e0d0000-0000-4000-8000-000000000001';

interface Received {
  headers: Record<string, string>;
  body: string;
  type: string;
  data: any;
}

/** A receiver on loopback that records every message and answers what `answer` says (default 204). */
async function receiver(answer: (req: IncomingMessage, seen: number) => number | 'hang' = () => 204) {
  const got: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { type: string; data: unknown };
      got.push({ headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])), body, type: parsed.type, data: parsed.data });
      const verdict = answer(req, got.length);
      if (verdict === 'hang') return void hanging.push(res);
      res.writeHead(verdict).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook-${randomBytes(3).toString('hex')}`;
  return {
    url,
    got,
    close: async () => {
      for (const res of hanging) res.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function createWebhook(url: string, events: string[]) {
  const res = await api('POST', '/api/v1/admin/webhooks', { token: adminToken, body: { url, events } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { id: res.body.webhook.id as string, secret: res.body.secret as string };
}

const verifier = (secret: string) => new Webhook(secret.slice('whsec_'.length));

async function playerWithToken() {
  const username = `wh_${tag}_${randomBytes(2).toString('hex')}`;
  const signup = await api('POST', '/api/v1/auth/signup', { body: { username, password: 'correct-horse-battery' } });
  assert.equal(signup.status, 201, JSON.stringify(signup.body));
  return { id: signup.body.user.id as string, username };
}

before(async () => {
  stack = await startTestStack({ name: 'webhooks' });
  api = apiClient(stack.gateway);
  const login = await api('POST', '/api/v1/auth/login', { body: stack.admin });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  adminToken = login.body.accessToken;
  const quest = { key: `wh-purchase-${tag}`, name: 'Webhook purchase', objective: { event: `wh.purchase.${tag}`, mode: 'count', target: 1 }, rewardId: GOLD_REWARD, autoClaim: true, maxCompletions: 1 };
  assert.equal((await api('POST', '/api/v1/admin/quests', { token: adminToken, body: quest })).status, 201);
  assert.equal((await api('POST', `/api/v1/admin/quests/${quest.key}/publish`, { token: adminToken })).status, 200);
});

after(async () => {
  await stack?.close();
});

/** A server event that completes the auto-claim quest for a user (admin token naming the user). */
async function completePurchase(userId: string) {
  const res = await eventually(
    async () => {
      const r = await api('POST', '/api/v1/events', { token: adminToken, body: { userId, type: `wh.purchase.${tag}` } });
      return r.status === 200 && r.body.completed.length === 1 ? r : undefined;
    },
    10_000,
    'progress knowing the new quest',
  );
  return res;
}

describe('webhooks through the gateway', () => {
  test('an auto-claim completion sends quest.completed and reward.granted, each verified by the reference library', async () => {
    const rx = await receiver();
    try {
      const { secret } = await createWebhook(rx.url, ['quest.completed', 'reward.granted']);
      const player = await playerWithToken();
      await completePurchase(player.id);
      await eventually(async () => rx.got.some((m) => m.type === 'quest.completed') && rx.got.some((m) => m.type === 'reward.granted'), 15_000, 'both messages received');
      const wh = verifier(secret);
      for (const m of rx.got) assert.doesNotThrow(() => wh.verify(m.body, m.headers), `${m.type} verifies`);
      const completed = rx.got.find((m) => m.type === 'quest.completed')!;
      assert.equal(completed.data.userId, player.id);
      assert.equal(completed.data.questKey, `wh-purchase-${tag}`);
      assert.equal(completed.data.autoClaim, true);
      const granted = rx.got.find((m) => m.type === 'reward.granted')!;
      assert.equal(granted.data.userId, player.id);
      assert.equal(granted.data.entry.amount, 10);
      // Not subscribed: nothing else (user.created of the signup) reached this endpoint.
      assert.deepEqual([...new Set(rx.got.map((m) => m.type))].sort(), ['quest.completed', 'reward.granted']);
    } finally {
      await rx.close();
    }
  });

  test('a receiver that fails twice then succeeds gets three attempts of one webhook-id; the log shows them', async () => {
    const rx = await receiver((_req, seen) => (seen <= 2 ? 500 : 200));
    try {
      const { id } = await createWebhook(rx.url, ['user.created']);
      await playerWithToken();
      // The first attempt at once, the second after the schedule's first step (about 5 s).
      await eventually(async () => rx.got.length >= 2, 20_000, 'two attempts');
      const log = await api('GET', `/api/v1/admin/webhooks/${id}/deliveries`, { token: adminToken });
      assert.equal(log.status, 200, JSON.stringify(log.body));
      const delivery = log.body.items[0];
      assert.equal(delivery.status, 'pending');
      assert.equal(delivery.lastStatusCode, 500);
      // The third attempt now, by hand (the schedule's next step is 5 minutes).
      const retry = await api('POST', `/api/v1/admin/webhooks/${id}/deliveries/${delivery.id}/retry`, { token: adminToken });
      assert.equal(retry.status, 202);
      await eventually(async () => rx.got.length >= 3, 15_000, 'the third attempt');
      assert.equal(new Set(rx.got.map((m) => m.headers['webhook-id'])).size, 1, 'one webhook-id on every attempt');
      const done = await eventually(async () => {
        const r = await api('GET', `/api/v1/admin/webhooks/${id}/deliveries?status=succeeded`, { token: adminToken });
        return r.body.items.length === 1 ? r.body.items[0] : undefined;
      }, 10_000, 'the delivery succeeded');
      assert.equal(done.attempts, 3);
      assert.equal(done.lastStatusCode, 200);
    } finally {
      await rx.close();
    }
  });

  test('after a rotation messages carry two signatures: the old secret and the new one each verify', async () => {
    const rx = await receiver();
    try {
      const { id, secret: old } = await createWebhook(rx.url, ['user.created']);
      const rotated = await api('POST', `/api/v1/admin/webhooks/${id}/rotate-secret`, { token: adminToken });
      assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
      const fresh = rotated.body.secret as string;
      assert.notEqual(fresh, old);
      await playerWithToken();
      await eventually(async () => rx.got.length >= 1, 15_000, 'a message after the rotation');
      const m = rx.got[0]!;
      assert.equal(m.headers['webhook-signature']!.split(' ').length, 2);
      assert.doesNotThrow(() => verifier(old).verify(m.body, m.headers));
      assert.doesNotThrow(() => verifier(fresh).verify(m.body, m.headers));
    } finally {
      await rx.close();
    }
  });

  test('auth killed with SIGKILL while a delivery hangs: after the restart the message is delivered, same webhook-id', async () => {
    let hang = true;
    const rx = await receiver(() => (hang ? 'hang' : 204));
    try {
      await createWebhook(rx.url, ['user.created']);
      await playerWithToken();
      await eventually(async () => rx.got.length >= 1, 15_000, 'the first attempt reached the receiver');
      await stack.services.auth.stop('SIGKILL');
      hang = false;
      await stack.restart('auth');
      await eventually(async () => rx.got.length >= 2, 60_000, 'the message sent again after the restart');
      assert.equal(rx.got[1]!.headers['webhook-id'], rx.got[0]!.headers['webhook-id']);
    } finally {
      await rx.close();
    }
  });
});
