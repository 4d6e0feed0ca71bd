/**
 * What an access token is still worth, end to end through the gateway with the four real services:
 * a demoted or banned admin's still-valid token loses admin rights at progress and catalog within
 * seconds (the owning services decide on the live role and status); the gateway verifies a token
 * once and the services trust its signed identity assertion, which no one else can make them
 * accept; and while auth is down, tokens it issued before keep working, because every verifier
 * holds auth's JWKS in memory.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { IDENTITY_HEADER, signIdentity, type AssertedCaller } from '@questline/platform';
import { apiClient, eventually, playerAccounts, startTestStack, type ApiCall, type TestStack } from '@questline/testkit';

const PASSWORD = 'correct-horse-battery';

let stack: TestStack;
let api: ApiCall;
let rootToken: string;

const signup = (username: string) => playerAccounts(api, PASSWORD).signup(username);
const login = (username: string) => playerAccounts(api, PASSWORD).login(username);

async function patchUser(userId: string, body: Record<string, string>) {
  const res = await api('PATCH', `/api/v1/admin/users/${userId}`, { token: rootToken, body });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

const verdict = (res: { status: number; body: { error?: { code: string } } }) => `${res.status} ${res.body.error?.code ?? ''}`.trim();

const questBody = (key: string, rewardId: string) => ({ key, name: `Quest ${key}`, objective: { event: 'match.won', mode: 'count', target: 3 }, rewardId });

before(async () => {
  stack = await startTestStack({ name: 'tokentrust' });
  api = apiClient(stack.gateway);
  const res = await api('POST', '/api/v1/auth/login', { body: stack.admin });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  rootToken = res.body.accessToken;
});

after(async () => {
  await stack?.close();
});

describe('a demoted or banned admin, with the admin token issued before', () => {
  let targetId: string;
  let rewardId: string;

  before(async () => {
    targetId = await signup('trust-target');
    const rewards = await api('GET', '/api/v1/rewards');
    rewardId = rewards.body.items[0].id;
  });

  /** The three admin calls of the brief, with one token; each answered by the owning service. */
  const adminCalls = (token: string, tag: string) => ({
    view: () => api('GET', `/api/v1/admin/users/${targetId}/quests`, { token }),
    events: () => api('POST', '/api/v1/admin/events', { token, body: { events: [{ id: randomUUID(), userId: targetId, type: 'login' }] } }),
    catalogRead: () => api('GET', '/api/v1/admin/quests', { token }),
    createQuest: () => api('POST', '/api/v1/admin/quests', { token, body: questBody(`trust-${tag}-${randomUUID().slice(0, 8)}`, rewardId) }),
  });

  for (const [change, patch, code] of [
    ['demoted', { role: 'player' }, 'FORBIDDEN'],
    ['banned', { status: 'banned' }, 'USER_BANNED'],
  ] as const) {
    test(`${change} → 403 ${code} on admin events, the admin quest view and catalog admin writes`, async () => {
      const username = `trust-${change}`;
      const userId = await signup(username);
      await patchUser(userId, { role: 'admin' });
      const token = await login(username);
      const calls = adminCalls(token, change);
      // An admin at work: every service has seen (and catalog has remembered) them as admin. The
      // promotion reaches progress through auth's outbox, asynchronously.
      await eventually(async () => (await calls.view()).status === 200, 15_000, 'progress to know the promotion');
      assert.equal((await calls.catalogRead()).status, 200);

      await patchUser(userId, patch);
      // The token still says admin and active; the gateway lets it through, the services refuse it.
      // Progress hears of the change through auth's outbox (asynchronous), catalog within its few
      // seconds of memory of auth's answer.
      await eventually(async () => verdict(await calls.view()) === `403 ${code}`, 15_000, `progress to refuse the ${change} admin`);
      assert.equal(verdict(await calls.events()), `403 ${code}`, 'POST /admin/events');
      await eventually(async () => verdict(await calls.catalogRead()) === `403 ${code}`, 15_000, `catalog to refuse the ${change} admin`);
      assert.equal(verdict(await calls.createQuest()), `403 ${code}`, 'POST /admin/quests');

      const root = adminCalls(rootToken, 'root');
      const view = await root.view();
      assert.equal(view.status, 200, 'a live admin is still served');
      const daily = view.body.items.find((i: { quest: { key: string } }) => i.quest.key === 'daily-login');
      assert.equal(daily.completions, 0, 'no refused event was applied');
    });
  }
});

describe('the identity assertion of the gateway', () => {
  const asPlayer = (id: string): AssertedCaller => ({ kind: 'user', user: { id, role: 'player', status: 'active', timezone: 'UTC' } });
  const assertion = (secret: string, path: string, requestId: string, caller: AssertedCaller) => ({
    'x-request-id': requestId,
    [IDENTITY_HEADER]: signIdentity(secret, { method: 'GET', path, requestId }, caller),
  });

  test('progress, catalog and auth accept the caller the gateway asserts; a forged or misdirected assertion is 401 even beside a good token', async () => {
    const userId = await signup('assert-player');
    const token = await login('assert-player');
    // Through the gateway: verified there once, trusted by the owning services.
    for (const path of ['/api/v1/me/quests', '/api/v1/me', '/api/v1/me/ledger']) {
      const res = await api('GET', path, { token });
      assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    }
    const progress = apiClient(stack.urls.progress);
    const rid = randomUUID();
    // Called directly with a genuine assertion and no token at all: the assertion alone is the credential.
    const genuine = await progress('GET', '/api/v1/me/quests', { headers: assertion(stack.internalToken, '/api/v1/me/quests', rid, asPlayer(userId)) });
    assert.equal(genuine.status, 200, JSON.stringify(genuine.body));
    assert.ok(genuine.body.items.some((i: { quest: { key: string } }) => i.quest.key === 'daily-login'));

    const direct = {
      progress: [progress, '/api/v1/me/quests'],
      auth: [apiClient(stack.urls.auth), '/api/v1/me'],
      catalog: [apiClient(stack.urls.catalog), '/api/v1/quests'],
    } as const;
    for (const [service, [call, path]] of Object.entries(direct)) {
      const forged = assertion('a-guessed-credential', path, rid, asPlayer(userId));
      assert.equal(verdict(await call('GET', path, { token, headers: forged })), '401 UNAUTHENTICATED', `${service}: forged`);
      const elsewhere = assertion(stack.internalToken, '/api/v1/somewhere-else', rid, asPlayer(userId));
      assert.equal(verdict(await call('GET', path, { token, headers: elsewhere })), '401 UNAUTHENTICATED', `${service}: for another path`);
      // The same call without the bad header is fine: the token is good.
      assert.equal((await call('GET', path, { token })).status, 200, `${service}: direct with the token`);
    }
  });

  test('a client cannot send its own assertion through the gateway; a banned player stays refused', async () => {
    const userId = await signup('assert-victim');
    const playerId = await signup('assert-banned');
    const token = await login('assert-banned');
    const rid = randomUUID();
    // Even one signed with the real credential (as if it had leaked): the gateway replaces it.
    const asVictim = assertion(stack.internalToken, '/api/v1/me', rid, asPlayer(userId));
    const me = await api('GET', '/api/v1/me', { token, headers: asVictim });
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(me.body.user.id, playerId, 'the caller of the token, not the one the client asserted');
    assert.equal(verdict(await api('GET', '/api/v1/me', { headers: asVictim })), '401 UNAUTHENTICATED', 'no token: refused at the edge');

    await patchUser(playerId, { status: 'banned' });
    // The token still says active: auth refuses at once, progress as soon as it hears of the ban.
    assert.equal(verdict(await api('GET', '/api/v1/me', { token })), '403 USER_BANNED');
    await eventually(async () => verdict(await api('GET', '/api/v1/me/quests', { token })) === '403 USER_BANNED', 15_000, 'progress to refuse the banned player');
  });
});

describe('auth down', () => {
  test('tokens issued before keep working at the gateway, catalog and progress; admin routes say 503, not 401', async () => {
    // A draft that only an admin can see through the public route.
    const draftKey = `trust-draft-${randomUUID().slice(0, 8)}`;
    const rewardId = (await api('GET', '/api/v1/rewards')).body.items[0].id;
    const created = await api('POST', '/api/v1/admin/quests', { token: rootToken, body: questBody(draftKey, rewardId) });
    assert.equal(created.status, 201, JSON.stringify(created.body));

    await signup('trust-player');
    await signup('trust-warmup');
    // Fresh tokens, never checked by any verifier before the outage (no remembered verification helps).
    const adminToken = (await api('POST', '/api/v1/auth/login', { body: stack.admin })).body.accessToken as string;
    const playerToken = await login('trust-player');
    // Another user's calls make sure each verifier holds the key set (it is fetched at start-up).
    const warmup = await login('trust-warmup');
    assert.equal((await api('GET', '/api/v1/me/quests', { token: warmup })).status, 200);
    assert.equal((await api('GET', `/api/v1/quests/${draftKey}`, { token: warmup })).status, 404);

    assert.equal(await stack.services.auth.stop(), 0);
    try {
      const draft = await api('GET', `/api/v1/quests/${draftKey}`, { token: adminToken });
      assert.equal(draft.status, 200, `the draft for an admin token: gateway and catalog verified it (${JSON.stringify(draft.body)})`);
      assert.equal(draft.body.quest.status, 'draft');

      const t0 = Date.now();
      const quests = await api('GET', '/api/v1/me/quests', { token: playerToken });
      assert.equal(quests.status, 200, JSON.stringify(quests.body));
      assert.ok(Date.now() - t0 < 1000, `answered without waiting for auth (${Date.now() - t0} ms)`);
      assert.ok(quests.body.items.some((i: { quest: { key: string } }) => i.quest.key === 'daily-login'));

      // The token is fine, the admin's live status cannot be confirmed (once catalog's few seconds
      // of memory of auth's last answer are over): 503, never 401.
      const seen = new Set<string>();
      await eventually(async () => {
        seen.add(verdict(await api('GET', '/api/v1/admin/quests', { token: adminToken })));
        return seen.has('503 UPSTREAM_UNAVAILABLE');
      }, 10_000, 'catalog admin routes to answer 503');
      assert.ok(!seen.has('401 UNAUTHENTICATED'), [...seen].join(', '));

      // A bad token is still a bad token.
      assert.equal(verdict(await api('GET', '/api/v1/me/quests', { token: `${playerToken.slice(0, -4)}AAAA` })), '401 UNAUTHENTICATED');
    } finally {
      await stack.restart('auth');
    }
    await eventually(async () => (await api('GET', '/api/v1/admin/quests', { token: adminToken })).status === 200, 15_000, 'admin routes back with auth');
  });
});
