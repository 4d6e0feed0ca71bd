/**
 * The catalog's write routes accept an API key with catalog:write (checked by asking auth's
 * stand-in, signed), and the audit names the key; keys without it, unknown keys and keys on the
 * audit are refused before anything is written.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { createDatabase, type ApiKeyCaller } from '@questline/platform';
import { DIAMOND_REWARD_ID, bearer, questBody, startCatalog, type Harness } from './helpers.js';

let h: Harness;
before(async () => {
  h = await startCatalog('catalog_keys');
});
after(async () => {
  await h.close();
});

function key(prefix: string, scopes: ApiKeyCaller['scopes']) {
  const apiKey: ApiKeyCaller = { id: randomUUID(), name: `key ${prefix}`, prefix, scopes };
  const secret = `qlk_${prefix}_${'s'.repeat(43)}`;
  h.issuer.keys.set(secret, apiKey);
  return { apiKey, secret };
}

const writes: Array<{ method: 'POST' | 'PUT' | 'DELETE' | 'GET'; url: string; payload?: object }> = [
  { method: 'GET', url: '/api/v1/admin/quests' },
  { method: 'POST', url: '/api/v1/admin/quests', payload: questBody('key-denied') },
  { method: 'PUT', url: '/api/v1/admin/quests/daily-login', payload: questBody('daily-login', { name: 'Hacked' }) },
  { method: 'POST', url: '/api/v1/admin/quests/daily-login/archive' },
  { method: 'POST', url: '/api/v1/admin/rewards', payload: { name: 'r', items: [{ currency: 'gold', amount: 1 }] } },
  { method: 'DELETE', url: `/api/v1/admin/rewards/${DIAMOND_REWARD_ID}` },
  { method: 'POST', url: '/api/v1/admin/currencies', payload: { code: 'ruby', name: 'Ruby' } },
];

describe('API keys on the catalog admin routes', () => {
  test('a catalog:write key creates a quest, a reward and a currency; each audit entry names the key', async () => {
    const { apiKey, secret } = key('CatWrite', ['catalog:write']);
    const quest = await h.app.inject({ method: 'POST', url: '/api/v1/admin/quests', headers: bearer(secret), payload: questBody('made-by-key') });
    assert.equal(quest.statusCode, 201, quest.body);
    const reward = await h.app.inject({ method: 'POST', url: '/api/v1/admin/rewards', headers: bearer(secret), payload: { name: 'By key', items: [{ currency: 'gold', amount: 5 }] } });
    assert.equal(reward.statusCode, 201, reward.body);
    const currency = await h.app.inject({ method: 'POST', url: '/api/v1/admin/currencies', headers: bearer(secret), payload: { code: 'keycoin', name: 'Key coin' } });
    assert.equal(currency.statusCode, 201, currency.body);
    assert.equal((await h.app.inject({ method: 'GET', url: '/api/v1/admin/quests', headers: bearer(secret) })).statusCode, 200);
    const audit = await h.app.inject({ method: 'GET', url: '/api/v1/admin/audit?limit=3', headers: bearer(h.adminToken) });
    const entries = audit.json().items as Array<{ action: string; actorId: string }>;
    assert.deepEqual(
      entries.map((e) => [e.action, e.actorId]),
      [
        ['currency.create', `key:${apiKey.id}`],
        ['reward.create', `key:${apiKey.id}`],
        ['quest.create', `key:${apiKey.id}`],
      ],
    );
  });

  test("an admin's token is named as user:<id>", async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/admin/quests', headers: bearer(h.adminToken), payload: questBody('made-by-admin') });
    assert.equal(res.statusCode, 201);
    const [entry] = (await h.app.inject({ method: 'GET', url: '/api/v1/admin/audit?limit=1', headers: bearer(h.adminToken) })).json().items;
    assert.equal(entry.actorId, `user:${h.adminId}`);
  });

  test('without catalog:write → 403 naming the scope; unknown, mistyped or malformed → 401; nothing written', async () => {
    const reader = key('UsrRead1', ['users:read', 'events:write']);
    const before = (await h.app.inject({ method: 'GET', url: '/api/v1/admin/audit', headers: bearer(h.adminToken) })).json().items.length;
    for (const route of writes) {
      const call = (secret: string) => h.app.inject({ method: route.method, url: route.url, headers: bearer(secret), ...(route.payload ? { payload: route.payload } : {}) });
      const denied = await call(reader.secret);
      assert.equal(denied.statusCode, 403, `${route.method} ${route.url}`);
      assert.match(denied.json().error.message, /requires scope catalog:write/);
      for (const bad of [`qlk_Nobody00_${'s'.repeat(43)}`, `${reader.secret.slice(0, -1)}t`, 'qlk_bad']) {
        const res = await call(bad);
        assert.equal(res.statusCode, 401, `${route.method} ${route.url} ${bad}`);
        assert.equal(res.json().error.code, 'UNAUTHENTICATED');
      }
    }
    const after = (await h.app.inject({ method: 'GET', url: '/api/v1/admin/audit', headers: bearer(h.adminToken) })).json().items.length;
    assert.equal(after, before);
  });

  test('the catalog audit takes an admin token only: a key with every scope is 403', async () => {
    const { secret } = key('AllScop1', ['catalog:write', 'users:read', 'users:write', 'events:write', 'webhooks:write']);
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/admin/audit', headers: bearer(secret) });
    assert.equal(res.statusCode, 403);
  });

  test('a revoked key is refused once the 2 s verdict cache has passed', async () => {
    const { secret } = key('Revoke01', ['catalog:write']);
    assert.equal((await h.app.inject({ method: 'GET', url: '/api/v1/admin/quests', headers: bearer(secret) })).statusCode, 200);
    h.issuer.keys.delete(secret);
    await new Promise((r) => setTimeout(r, 2100));
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/admin/quests', headers: bearer(secret) });
    assert.equal(res.statusCode, 401);
  });

  test('auth unable to check a key → 503, not 401', async () => {
    const { secret } = key('Down0001', ['catalog:write']);
    h.issuer.failInternal(503);
    try {
      const res = await h.app.inject({ method: 'GET', url: '/api/v1/admin/quests', headers: bearer(secret) });
      assert.equal(res.statusCode, 503);
    } finally {
      h.issuer.failInternal(undefined);
    }
  });
});

describe('audit entries written before actors named their kind', () => {
  test('a stored bare user id reads as user:<id>', async () => {
    const direct = createDatabase<Record<string, never>>(h.database.url, { max: 1 });
    const legacy = randomUUID();
    try {
      await sql`INSERT INTO audit_log (actor_id, action, entity, entity_key) VALUES (${legacy}, 'quest.create', 'quest', 'legacy-quest')`.execute(direct.db);
    } finally {
      await direct.close();
    }
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/admin/audit?entityKey=legacy-quest', headers: bearer(h.adminToken) });
    assert.equal(res.json().items[0].actorId, `user:${legacy}`);
  });
});
