import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { ConfigError, parseConfig } from '@questline/platform';
import { injectInternal } from '@questline/testkit';
import { ConfigSchema } from '../src/config.js';
import { apiKeyHashKey } from '../src/context.js';
import { INTERNAL_TOKEN, bearer, login, loginAdmin, player, startAuth, type Harness, type Tokens } from './support.js';

const HASH_SECRET = 'a-test-api-key-hash-secret-0123456789abcdef';
let h: Harness;
let admin: Tokens;
before(async () => {
  h = await startAuth({ API_KEY_HASH_SECRET: HASH_SECRET });
  admin = await loginAdmin(h.app);
});
after(async () => {
  await h?.close();
});

type Method = 'GET' | 'POST' | 'DELETE' | 'PATCH';
const call = (method: Method, url: string, token?: string, payload?: unknown) =>
  h.app.inject({ method, url, headers: token ? bearer(token) : {}, ...(payload === undefined ? {} : { payload: payload as object }) });

async function createKey(scopes: string[], name = 'backend') {
  const res = await call('POST', '/api/v1/admin/api-keys', admin.accessToken, { name, scopes });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { apiKey: { id: string; prefix: string; scopes: string[]; lastUsedAt: string | null; revokedAt: string | null }; secret: string };
}

const verifyInternal = (secret: string) => injectInternal(h.app, INTERNAL_TOKEN, { method: 'POST', url: '/internal/api-keys/verify', payload: { secret } });

describe('creating a key', () => {
  test('201 with the key and its secret; the secret has the documented format and is stored only as a keyed hash', async () => {
    const { apiKey, secret } = await createKey(['catalog:write', 'users:read'], 'Shop backend');
    assert.match(secret, /^qlk_[A-Za-z0-9]{8}_[A-Za-z0-9]{43}$/);
    assert.equal(secret.slice(4, 12), apiKey.prefix);
    assert.deepEqual(apiKey.scopes, ['catalog:write', 'users:read']);
    assert.equal(apiKey.lastUsedAt, null);
    assert.equal(apiKey.revokedAt, null);
    const row = await h.db.selectFrom('api_keys').selectAll().where('id', '=', apiKey.id).executeTakeFirstOrThrow();
    assert.notEqual(row.secret_hash.toString('utf8'), secret);
    assert.ok(!row.secret_hash.toString('hex').includes(Buffer.from(secret).toString('hex')));
    assert.deepEqual(row.secret_hash, createHmac('sha256', HASH_SECRET).update(secret).digest(), 'HMAC-SHA256 keyed with API_KEY_HASH_SECRET');
    assert.equal(row.created_by, `user:${admin.user.id}`);
  });

  test('two keys never share a prefix or a secret', async () => {
    const a = await createKey(['events:write']);
    const b = await createKey(['events:write']);
    assert.notEqual(a.apiKey.prefix, b.apiKey.prefix);
    assert.notEqual(a.secret, b.secret);
  });

  test('a bad name or scope list is 400 VALIDATION_FAILED naming the field, and nothing is stored', async () => {
    const before = await h.db.selectFrom('api_keys').select(h.db.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const cases: Array<[unknown, string]> = [
      [{ name: '', scopes: ['users:read'] }, 'name'],
      [{ name: 'x'.repeat(101), scopes: ['users:read'] }, 'name'],
      [{ scopes: ['users:read'] }, 'name'],
      [{ name: 'k', scopes: [] }, 'scopes'],
      [{ name: 'k' }, 'scopes'],
      [{ name: 'k', scopes: ['admin'] }, 'scopes.0'],
      [{ name: 'k', scopes: ['users:read', 'users:read'] }, 'scopes'],
      [{ name: 'k', scopes: 'users:read' }, 'scopes'],
      [{ name: 'k', scopes: ['users:read'], secret: 'mine' }, 'secret'],
    ];
    for (const [body, field] of cases) {
      const res = await call('POST', '/api/v1/admin/api-keys', admin.accessToken, body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
      assert.equal(res.json().error.field, field, JSON.stringify(body));
    }
    const afterwards = await h.db.selectFrom('api_keys').select(h.db.fn.countAll().as('n')).executeTakeFirstOrThrow();
    assert.equal(afterwards.n, before.n);
  });

  test('creating writes an api_key.created audit row naming the admin, never the secret', async () => {
    const { apiKey, secret } = await createKey(['users:read'], 'audited');
    const res = await call('GET', `/api/v1/admin/account-audit?entity=api_key&entityKey=${apiKey.id}`, admin.accessToken);
    assert.equal(res.statusCode, 200);
    const [entry] = res.json().items;
    assert.equal(entry.action, 'api_key.created');
    assert.equal(entry.actorId, `user:${admin.user.id}`);
    assert.deepEqual(entry.details, { name: 'audited', prefix: apiKey.prefix, scopes: ['users:read'] });
    assert.ok(!res.body.includes(secret.slice(13)));
  });
});

describe('the account audit', () => {
  test('newest first, paged by cursor without repeats; a bad entity or cursor is 400', async () => {
    await createKey(['users:read'], 'a1');
    await createKey(['users:read'], 'a2');
    const first = await call('GET', '/api/v1/admin/account-audit?limit=1', admin.accessToken);
    assert.equal(first.statusCode, 200);
    const second = await call('GET', `/api/v1/admin/account-audit?limit=1&cursor=${first.json().nextCursor}`, admin.accessToken);
    const [a] = first.json().items;
    const [b] = second.json().items;
    assert.ok(a.id > b.id);
    assert.deepEqual([a.details.name, b.details.name], ['a2', 'a1']);
    assert.equal((await call('GET', '/api/v1/admin/account-audit?entity=quest', admin.accessToken)).statusCode, 400);
    assert.equal((await call('GET', '/api/v1/admin/account-audit?cursor=LTE', admin.accessToken)).statusCode, 400);
  });
});

describe('listing keys', () => {
  test('newest first, paginated, never a secret or a hash', async () => {
    const made = [await createKey(['users:read'], 'l1'), await createKey(['users:read'], 'l2'), await createKey(['users:read'], 'l3')];
    const seen: Array<Record<string, unknown>> = [];
    let cursor: string | null = null;
    do {
      const res = await call('GET', `/api/v1/admin/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`, admin.accessToken);
      assert.equal(res.statusCode, 200);
      for (const m of made) assert.ok(!res.body.includes(m.secret.slice(13)), 'no secret in a list');
      const body = res.json();
      seen.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor);
    const ids = seen.map((k) => k.id);
    assert.equal(new Set(ids).size, ids.length, 'no key twice across pages');
    assert.deepEqual(ids.slice(0, 3), made.map((m) => m.apiKey.id).reverse());
    for (const k of seen) assert.deepEqual(Object.keys(k).sort(), ['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'scopes']);
  });

  test('a forged cursor is 400', async () => {
    const res = await call('GET', '/api/v1/admin/api-keys?cursor=bm9wZQ', admin.accessToken);
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.field, 'cursor');
  });
});

describe('using a key', () => {
  test('GET /admin/users with a users:read key: 200; lastUsedAt is set, to the minute', async () => {
    const { apiKey, secret } = await createKey(['users:read']);
    const res = await call('GET', '/api/v1/admin/users', secret);
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(res.json().items.length >= 1);
    const row = await h.db.selectFrom('api_keys').selectAll().where('id', '=', apiKey.id).executeTakeFirstOrThrow();
    assert.ok(row.last_used_at, 'lastUsedAt set after use');
    assert.equal(row.last_used_at.getUTCSeconds(), 0);
    assert.equal(row.last_used_at.getUTCMilliseconds(), 0);
    const listed = (await call('GET', '/api/v1/admin/api-keys?limit=200', admin.accessToken)).json().items.find((k: { id: string }) => k.id === apiKey.id);
    assert.equal(listed.lastUsedAt, row.last_used_at.toISOString());
  });

  test('a key without users:read is 403 naming the scope', async () => {
    const { secret } = await createKey(['catalog:write']);
    const res = await call('GET', '/api/v1/admin/users', secret);
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'FORBIDDEN');
    assert.match(res.json().error.message, /users:read/);
  });

  test('a malformed key, a key with a typo, an unknown key: 401 UNAUTHENTICATED', async () => {
    const { secret } = await createKey(['users:read']);
    const last = secret.at(-1) === 'a' ? 'b' : 'a';
    for (const bad of [`${secret.slice(0, -1)}${last}`, 'qlk_abc', `qlk_00000000_${'A'.repeat(43)}`, `${secret}x!`]) {
      const res = await call('GET', '/api/v1/admin/users', bad);
      assert.equal(res.statusCode, 401, bad);
      assert.equal(res.json().error.code, 'UNAUTHENTICATED');
    }
  });

  test("a key on a user's own route (/me) is 403: keys are for server routes", async () => {
    const { secret } = await createKey(['users:read', 'users:write', 'events:write', 'catalog:write', 'webhooks:write']);
    const res = await call('GET', '/api/v1/me', secret);
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'FORBIDDEN');
  });

  test('a key never manages keys (403), whatever its scopes; nor reads the audit', async () => {
    const { apiKey, secret } = await createKey(['users:read', 'users:write', 'events:write', 'catalog:write', 'webhooks:write']);
    for (const [method, url, body] of [
      ['POST', '/api/v1/admin/api-keys', { name: 'more', scopes: ['users:read'] }],
      ['GET', '/api/v1/admin/api-keys', undefined],
      ['DELETE', `/api/v1/admin/api-keys/${apiKey.id}`, undefined],
      ['GET', '/api/v1/admin/account-audit', undefined],
    ] as Array<[Method, string, unknown]>) {
      const res = await call(method, url, secret, body);
      assert.equal(res.statusCode, 403, `${method} ${url}`);
      assert.equal(res.json().error.code, 'FORBIDDEN');
    }
    const row = await h.db.selectFrom('api_keys').selectAll().where('id', '=', apiKey.id).executeTakeFirstOrThrow();
    assert.equal(row.revoked_at, null);
  });
});

describe('access to the key routes', () => {
  const routes: Array<[Method, string, unknown]> = [
    ['POST', '/api/v1/admin/api-keys', { name: 'x', scopes: ['users:read'] }],
    ['GET', '/api/v1/admin/api-keys', undefined],
    ['DELETE', '/api/v1/admin/api-keys/00000000-0000-4000-8000-000000000000', undefined],
    ['GET', '/api/v1/admin/account-audit', undefined],
  ];

  test('no credential → 401; a player → 403; a banned admin → 403 USER_BANNED', async () => {
    const p = await player(h.app, 'keys_player');
    const second = await player(h.app, 'keys_admin2');
    await h.db.updateTable('users').set({ role: 'admin' }).where('id', '=', second.id).execute();
    const secondAdmin = await login(h.app, 'keys_admin2');
    const patch = await call('PATCH', `/api/v1/admin/users/${second.id}`, admin.accessToken, { status: 'banned' });
    assert.equal(patch.statusCode, 200);
    for (const [method, url, body] of routes) {
      assert.equal((await call(method, url, undefined, body)).statusCode, 401, `${method} ${url}`);
      const asPlayer = await call(method, url, p.accessToken, body);
      assert.equal(asPlayer.statusCode, 403);
      assert.equal(asPlayer.json().error.code, 'FORBIDDEN');
      const banned = await call(method, url, secondAdmin.accessToken, body);
      assert.equal(banned.statusCode, 403, `${method} ${url}`);
      assert.equal(banned.json().error.code, 'USER_BANNED');
    }
  });
});

describe('revoking a key', () => {
  test('204, then refused directly at the service once the verifier TTL passed; revoking again is 204 with one audit row', async () => {
    const { apiKey, secret } = await createKey(['users:read']);
    assert.equal((await call('GET', '/api/v1/admin/users', secret)).statusCode, 200);
    const res = await call('DELETE', `/api/v1/admin/api-keys/${apiKey.id}`, admin.accessToken);
    assert.equal(res.statusCode, 204);
    assert.equal((await verifyInternal(secret)).statusCode, 404, 'the internal check sees it at once');
    // Auth's own routes check through a 2 s cache: the revocation holds once it has passed.
    await new Promise((r) => setTimeout(r, 2100));
    const refused = await call('GET', '/api/v1/admin/users', secret);
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.json().error.code, 'UNAUTHENTICATED');
    assert.equal((await call('DELETE', `/api/v1/admin/api-keys/${apiKey.id}`, admin.accessToken)).statusCode, 204);
    const audit = (await call('GET', `/api/v1/admin/account-audit?entity=api_key&entityKey=${apiKey.id}`, admin.accessToken)).json().items;
    assert.deepEqual(
      audit.map((e: { action: string; actorId: string }) => [e.action, e.actorId]),
      [
        ['api_key.revoked', `user:${admin.user.id}`],
        ['api_key.created', `user:${admin.user.id}`],
      ],
    );
    const listed = (await call('GET', '/api/v1/admin/api-keys?limit=200', admin.accessToken)).json().items.find((k: { id: string }) => k.id === apiKey.id);
    assert.ok(listed.revokedAt);
  });

  test('an unknown id is 404 NOT_FOUND; a malformed one 400', async () => {
    const res = await call('DELETE', '/api/v1/admin/api-keys/00000000-0000-4000-8000-000000000000', admin.accessToken);
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'NOT_FOUND');
    assert.equal((await call('DELETE', '/api/v1/admin/api-keys/not-a-uuid', admin.accessToken)).statusCode, 400);
  });
});

describe('POST /internal/api-keys/verify', () => {
  test('200 {apiKey} for a live key (no secret, no hash), 404 for unknown, malformed or mistyped', async () => {
    const { apiKey, secret } = await createKey(['events:write'], 'verify-me');
    const ok = await verifyInternal(secret);
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { apiKey: { id: apiKey.id, name: 'verify-me', prefix: apiKey.prefix, scopes: ['events:write'] } });
    for (const bad of [`${secret.slice(0, -2)}zz`, 'qlk_nope', 'not-a-key']) assert.equal((await verifyInternal(bad)).statusCode, 404, bad);
    assert.equal((await verifyInternal('')).statusCode, 400);
  });

  test('last_used_at moves only when the minute changes (one conditional UPDATE)', async () => {
    const { apiKey, secret } = await createKey(['events:write']);
    await h.db.updateTable('api_keys').set({ last_used_at: new Date('2020-01-01T00:00:00Z') }).where('id', '=', apiKey.id).execute();
    await verifyInternal(secret);
    const first = await h.db.selectFrom('api_keys').select('last_used_at').where('id', '=', apiKey.id).executeTakeFirstOrThrow();
    assert.ok(first.last_used_at && first.last_used_at.getTime() > Date.parse('2025-01-01'));
    // xmin changes with every row version: a second use in the same minute writes nothing.
    const xmin = async () => (await h.db.selectFrom('api_keys').select(sql<string>`xmin::text`.as('x')).where('id', '=', apiKey.id).executeTakeFirstOrThrow()).x;
    const before = await xmin();
    const minute = Math.floor(Date.now() / 60_000);
    await verifyInternal(secret);
    if (Math.floor(Date.now() / 60_000) === minute) assert.equal(await xmin(), before);
  });

  test('unsigned calls are refused', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/internal/api-keys/verify', payload: { secret: 'qlk_x' } });
    assert.equal(res.statusCode, 401);
  });
});

describe('the hash key', () => {
  const base = { DATABASE_URL: 'postgres://u@h/db', INTERNAL_TOKEN, JWT_PRIVATE_JWK: '{}', PROGRESS_URL: 'http://p', CATALOG_URL: 'http://c' };

  test('production refuses to start without API_KEY_HASH_SECRET, naming it', () => {
    const config = parseConfig(ConfigSchema, { ...base, NODE_ENV: 'production' });
    assert.throws(() => apiKeyHashKey(config), (err: unknown) => err instanceof ConfigError && err.key === 'API_KEY_HASH_SECRET');
  });

  test('elsewhere, without it, a key derived from INTERNAL_TOKEN (documented), never a constant', () => {
    const a = apiKeyHashKey(parseConfig(ConfigSchema, { ...base, NODE_ENV: 'development' }));
    const b = apiKeyHashKey(parseConfig(ConfigSchema, { ...base, NODE_ENV: 'development', INTERNAL_TOKEN: 'another-internal-token-456' }));
    assert.equal(a.length, 32);
    assert.notDeepEqual(a, b);
  });

  test('a short API_KEY_HASH_SECRET is refused by the schema', () => {
    assert.throws(() => parseConfig(ConfigSchema, { ...base, API_KEY_HASH_SECRET: 'short' }), /API_KEY_HASH_SECRET/);
  });
});
