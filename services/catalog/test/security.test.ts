import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, injectInternal } from '@questline/testkit';
import { DIAMOND_REWARD_ID, INTERNAL_TOKEN, bearer, questBody, startCatalog, type Harness } from './helpers.js';

let h: Harness;
before(async () => {
  h = await startCatalog('catalog_security');
});
after(async () => {
  await h.close();
});

const adminRoutes: Array<{ method: 'GET' | 'POST' | 'PUT' | 'DELETE'; url: string; payload?: object }> = [
  { method: 'GET', url: '/api/v1/admin/quests' },
  { method: 'POST', url: '/api/v1/admin/quests', payload: questBody('sec-quest') },
  { method: 'PUT', url: '/api/v1/admin/quests/daily-login', payload: questBody('daily-login', { name: 'Hacked' }) },
  { method: 'POST', url: '/api/v1/admin/quests/daily-login/publish' },
  { method: 'POST', url: '/api/v1/admin/quests/daily-login/archive' },
  { method: 'DELETE', url: '/api/v1/admin/quests/daily-login' },
  { method: 'POST', url: '/api/v1/admin/rewards', payload: { name: 'r', items: [{ currency: 'gold', amount: 1 }] } },
  { method: 'PUT', url: `/api/v1/admin/rewards/${DIAMOND_REWARD_ID}`, payload: { name: 'r', items: [{ currency: 'gold', amount: 1 }] } },
  { method: 'DELETE', url: `/api/v1/admin/rewards/${DIAMOND_REWARD_ID}` },
  { method: 'POST', url: '/api/v1/admin/currencies', payload: { code: 'ruby', name: 'Ruby' } },
  { method: 'GET', url: '/api/v1/admin/audit' },
  { method: 'GET', url: '/api/v1/admin/event-types' },
  { method: 'PUT', url: '/api/v1/admin/event-types/sec.type', payload: { playerReportable: true } },
];

function tamper(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const forged = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
  return `${header}.${forged}.${signature}`;
}

describe('admin routes', () => {
  for (const route of adminRoutes) {
    const name = `${route.method} ${route.url}`;
    test(`${name}: no token → 401, player → 403, tampered → 401, banned admin → 403`, async () => {
      const call = (headers: Record<string, string>) =>
        h.app.inject({ method: route.method, url: route.url, headers, ...(route.payload ? { payload: route.payload } : {}) });
      const none = await call({});
      assert.equal(none.statusCode, 401);
      assert.equal(none.json().error.code, 'UNAUTHENTICATED');
      const player = await call(bearer(h.playerToken));
      assert.equal(player.statusCode, 403);
      assert.equal(player.json().error.code, 'FORBIDDEN');
      const tampered = await call(bearer(tamper(h.playerToken)));
      assert.equal(tampered.statusCode, 401);
      assert.equal(tampered.json().error.code, 'UNAUTHENTICATED');
      const banned = await call(bearer(await h.issuer.sign({ role: 'admin', status: 'banned' })));
      assert.equal(banned.statusCode, 403);
      assert.equal(banned.json().error.code, 'USER_BANNED');
    });
  }

  test('a token from another issuer key is refused', async () => {
    const { startIssuer } = await import('./helpers.js');
    const stranger = await startIssuer();
    try {
      const res = await h.app.inject({ url: '/api/v1/admin/quests', headers: bearer(await stranger.sign({ role: 'admin' })) });
      assert.equal(res.statusCode, 401);
    } finally {
      await stranger.close();
    }
  });

  test('nothing was changed by the refused calls', async () => {
    const quest = (await h.app.inject({ url: '/api/v1/quests/daily-login' })).json().quest;
    assert.equal(quest.name, 'Daily Login');
    assert.equal(quest.status, 'published');
    const audit = (await h.app.inject({ url: '/api/v1/admin/audit', headers: bearer(h.adminToken) })).json();
    assert.deepEqual(audit.items, []);
  });
});

describe('admin routes decide on the live role and status from auth, not the token', () => {
  const call = (route: (typeof adminRoutes)[number], token: string) =>
    h.app.inject({ method: route.method, url: route.url, headers: bearer(token), ...(route.payload ? { payload: route.payload } : {}) });

  for (const route of adminRoutes) {
    test(`${route.method} ${route.url}: demoted → 403 FORBIDDEN, banned → 403 USER_BANNED, unknown → 401, auth down → 503`, async () => {
      const demoted = await h.issuer.sign({ role: 'admin' });
      const banned = await h.issuer.sign({ role: 'admin' });
      const gone = await h.issuer.sign({ role: 'admin' });
      const idOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub as string;
      h.issuer.users.set(idOf(demoted), { role: 'player', status: 'active' });
      h.issuer.users.set(idOf(banned), { role: 'admin', status: 'banned' });
      h.issuer.users.delete(idOf(gone));
      const verdict = async (token: string) => {
        const res = await call(route, token);
        return `${res.statusCode} ${res.json().error?.code}`;
      };
      assert.equal(await verdict(demoted), '403 FORBIDDEN');
      assert.equal(await verdict(banned), '403 USER_BANNED');
      assert.equal(await verdict(gone), '401 UNAUTHENTICATED');
      h.issuer.failInternal(503);
      try {
        assert.equal(await verdict(await h.issuer.sign({ role: 'admin' })), '503 UPSTREAM_UNAVAILABLE');
      } finally {
        h.issuer.failInternal(undefined);
      }
    });
  }

  test("auth's answer is remembered for a few seconds only", async () => {
    const token = await h.issuer.sign({ role: 'admin' });
    const id = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub as string;
    const list = () => h.app.inject({ url: '/api/v1/admin/audit', headers: bearer(token) });
    assert.equal((await list()).statusCode, 200);
    assert.equal((await list()).statusCode, 200);
    assert.equal(h.issuer.lookups.filter((l) => l === id).length, 1, 'the second call was answered from memory');
    h.issuer.users.set(id, { role: 'player', status: 'active' });
    await eventually(async () => (await list()).statusCode === 403, 5_000, 'the demotion to take effect');
  });
});

describe('internal routes', () => {
  test('/internal/quests needs the internal token', async () => {
    const none = await h.app.inject({ url: '/internal/quests' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().error.code, 'UNAUTHENTICATED');
    const wrong = await injectInternal(h.app, 'wrong-token-wrong-token', { url: '/internal/quests' });
    assert.equal(wrong.statusCode, 401);
    const adminJwt = await h.app.inject({ url: '/internal/quests', headers: bearer(h.adminToken) });
    assert.equal(adminJwt.statusCode, 401);
    const ok = await injectInternal(h.app, INTERNAL_TOKEN, { url: '/internal/quests' });
    assert.equal(ok.statusCode, 200);
  });

  test('/internal/openapi.json needs the internal token too', async () => {
    const none = await h.app.inject({ url: '/internal/openapi.json' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().error.code, 'UNAUTHENTICATED');
    const ok = await injectInternal(h.app, INTERNAL_TOKEN, { url: '/internal/openapi.json' });
    assert.equal(ok.statusCode, 200);
    assert.ok(ok.json().paths['/api/v1/quests']);
  });
});
