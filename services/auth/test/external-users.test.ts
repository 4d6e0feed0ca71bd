import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { injectInternal } from '@questline/testkit';
import { createApiKey } from './api-key-support.js';
import { INTERNAL_TOKEN, bearer, loginAdmin, player, signup, startAuth, type Harness, type Tokens } from './support.js';

let h: Harness;
let admin: Tokens;
before(async () => {
  h = await startAuth();
  admin = await loginAdmin(h.app);
});
after(async () => {
  await h?.close();
});

const put = (externalId: string, payload: Record<string, unknown>, token = admin.accessToken) =>
  h.app.inject({ method: 'PUT', url: `/api/v1/users/external/${externalId}`, headers: bearer(token), payload });
const get = (externalId: string, token = admin.accessToken) =>
  h.app.inject({ method: 'GET', url: `/api/v1/users/external/${externalId}`, headers: bearer(token) });
const userCount = async () => Number((await h.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
const profileRows = async (userId: string) =>
  (await h.db.selectFrom('outbox').select('id').where('user_id', '=', userId).where('kind', '=', 'profile').execute()).length;
const resolve = (users: unknown) => injectInternal(h.app, INTERNAL_TOKEN, { method: 'POST', url: '/internal/users/external/resolve', payload: { users } });

describe('PUT /api/v1/users/external/{externalId}', () => {
  test('creates a user with no password and a generated username (201), then updates it (200)', async () => {
    const created = await put('shop:1001', {});
    assert.equal(created.statusCode, 201, created.body);
    const user = created.json().user;
    assert.equal(user.externalId, 'shop:1001');
    assert.match(user.username, /^user-[0-9a-f]{16}$/);
    assert.equal(user.timezone, 'UTC');
    assert.equal(user.status, 'new');
    assert.equal(user.role, 'player');
    assert.deepEqual(user.balances, { gold: 0, diamond: 0 });
    const row = await h.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    assert.equal(row.password_hash, null);
    assert.equal(await profileRows(user.id), 1, 'progress learns of the new user');

    const updated = await put('shop:1001', { username: 'Shop_Player', timezone: 'Asia/Tokyo' });
    assert.equal(updated.statusCode, 200, updated.body);
    assert.equal(updated.json().user.id, user.id);
    assert.equal(updated.json().user.username, 'Shop_Player');
    assert.equal(updated.json().user.timezone, 'Asia/Tokyo');
    const after = await h.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    assert.equal(after.profile_version, row.profile_version + 1);
    assert.equal(await profileRows(user.id), 2, 'the timezone change is queued for progress');

    // A second timezone change at once is allowed here (the product's server speaks for its user).
    const again = await put('shop:1001', { timezone: 'America/New_York' });
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().user.timezone, 'America/New_York');
    // Nothing to change: nothing written.
    assert.equal((await put('shop:1001', {})).statusCode, 200);
    assert.equal(await profileRows(user.id), 3);

    const read = await get('shop:1001');
    assert.equal(read.statusCode, 200);
    assert.deepEqual(read.json().user, again.json().user);
  });

  test('created with the given username and timezone', async () => {
    const res = await put('given.name@example', { username: 'given_name', timezone: 'Europe/Paris' });
    assert.equal(res.statusCode, 201);
    assert.equal(res.json().user.username, 'given_name');
    assert.equal(res.json().user.timezone, 'Europe/Paris');
  });

  test('a username taken by another user (any case) → 409 USERNAME_TAKEN, nothing written', async () => {
    await signup(h.app, 'taken_name');
    const before = await userCount();
    const create = await put('ext-taken-1', { username: 'TAKEN_name' });
    assert.equal(create.statusCode, 409);
    assert.equal(create.json().error.code, 'USERNAME_TAKEN');
    assert.equal(await userCount(), before, 'no user created');

    const existing = await put('ext-taken-2', {});
    assert.equal(existing.statusCode, 201);
    const rename = await put('ext-taken-2', { username: 'taken_name', timezone: 'Asia/Tokyo' });
    assert.equal(rename.statusCode, 409);
    assert.equal(rename.json().error.code, 'USERNAME_TAKEN');
    const row = await h.db.selectFrom('users').selectAll().where('external_id', '=', 'ext-taken-2').executeTakeFirstOrThrow();
    assert.equal(row.username, existing.json().user.username);
    assert.equal(row.timezone, 'UTC', 'the whole change was rolled back');
  });

  test('20 concurrent PUTs of one new externalId → one user, one 201 and 19 × 200', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => put('race-user-1', { timezone: 'Asia/Kolkata' })));
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [...Array(19).fill(200), 201]);
    assert.equal(new Set(results.map((r) => r.json().user.id)).size, 1);
    const rows = await h.db.selectFrom('users').select('id').where('external_id', '=', 'race-user-1').execute();
    assert.equal(rows.length, 1);
    assert.equal(await profileRows(rows[0]!.id), 1, 'created once, and the same timezone again changes nothing');
  });

  test('concurrent PUTs of one new externalId with the same explicit username → one 201, no USERNAME_TAKEN', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => put('race-user-2', { username: 'race_named' })));
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [...Array(9).fill(200), 201]);
  });

  test('a bad externalId → 400 VALIDATION_FAILED naming externalId, nothing written', async () => {
    const before = await userCount();
    for (const bad of ['a%20b', 'a%2Fb', 'caf%C3%A9', 'semi%3Bcolon', 'x'.repeat(129), 'a%23b']) {
      for (const res of [await put(bad, {}), await get(bad)]) {
        assert.equal(res.statusCode, 400, `${bad}: ${res.body}`);
        assert.equal(res.json().error.code, 'VALIDATION_FAILED');
        assert.equal(res.json().error.field, 'externalId', bad);
      }
    }
    assert.equal(await userCount(), before);
    assert.equal((await put('y'.repeat(128), {})).statusCode, 201, '128 characters is the limit');
    assert.equal((await put('A-Za_z.0:9@-', {})).statusCode, 201, 'every allowed character');
  });

  test('a bad body → 400 naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ timezone: 'Mars/Olympus' }, 'timezone'],
      [{ username: 'no spaces allowed' }, 'username'],
      [{ username: 'ab' }, 'username'],
      [{ password: 'sneaky-password' }, 'password'],
    ];
    for (const [body, field] of cases) {
      const res = await put('bad-body', body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().error.field, field);
    }
    assert.equal((await get('bad-body')).statusCode, 404, 'nothing was created');
  });

  test('GET of an unknown externalId → 404 NOT_FOUND', async () => {
    const res = await get('nobody-here');
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'NOT_FOUND');
  });

  test('no credential → 401; a player token → 403', async () => {
    const p = await player(h.app, 'ext_player');
    for (const res of [
      await h.app.inject({ method: 'PUT', url: '/api/v1/users/external/sec-1', payload: {} }),
      await h.app.inject({ method: 'GET', url: '/api/v1/users/external/sec-1' }),
    ]) {
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error.code, 'UNAUTHENTICATED');
    }
    for (const res of [await put('sec-1', {}, p.accessToken), await get('sec-1', p.accessToken)]) {
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'FORBIDDEN');
    }
    assert.equal((await get('sec-1')).statusCode, 404, 'nothing was created');
  });

  test('API keys: users:write creates, users:read reads, a key without the scope → 403, a wrong key → 401', async () => {
    const writer = await createApiKey(h.app, admin.accessToken, ['users:write']);
    const reader = (await createApiKey(h.app, admin.accessToken, ['users:read']))!;
    const created = await put('key-made-1', {}, writer.secret);
    assert.equal(created.statusCode, 201, created.body);
    assert.equal((await get('key-made-1', reader.secret)).statusCode, 200);
    const noScope = await put('key-made-2', {}, reader.secret);
    assert.equal(noScope.statusCode, 403);
    assert.match(noScope.json().error.message, /users:write/);
    const noRead = await get('key-made-1', writer.secret);
    assert.equal(noRead.statusCode, 403);
    const typo = await put('key-made-2', {}, `${writer.secret.slice(0, -1)}${writer.secret.endsWith('A') ? 'B' : 'A'}`);
    assert.equal(typo.statusCode, 401);
    assert.equal((await get('key-made-2')).statusCode, 404);
  });
});

describe('users created by external id', () => {
  test('cannot log in with a password: the same 401 as an unknown user', async () => {
    const res = await put('no-password-1', { username: 'no_password_user' });
    assert.equal(res.statusCode, 201);
    const attempts = await Promise.all(
      [
        { username: 'no_password_user', password: 'password-123' },
        { username: 'no_password_user', password: '' + 'x'.repeat(8) },
        { username: 'nobody_by_that_name', password: 'password-123' },
      ].map((payload) => h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload })),
    );
    for (const a of attempts) {
      assert.equal(a.statusCode, 401);
      assert.equal(a.json().error.code, 'INVALID_CREDENTIALS');
    }
    assert.equal(attempts[0]!.json().error.message, attempts[2]!.json().error.message, 'same answer as an unknown user');
    const row = await h.db.selectFrom('users').selectAll().where('external_id', '=', 'no-password-1').executeTakeFirstOrThrow();
    assert.equal(row.status, 'new', 'no login happened');
    assert.equal(row.password_hash, null);
  });

  test('externalId is null for users who signed up, and shown on the admin list', async () => {
    const p = await player(h.app, 'ext_signed_up');
    const me = await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(p.accessToken) });
    assert.equal(me.json().user.externalId, null);
    await put('listed-ext', {});
    let cursor: string | null = null;
    const seen = new Map<string, string | null>();
    do {
      const res: Awaited<ReturnType<typeof h.app.inject>> = await h.app.inject({
        method: 'GET',
        url: `/api/v1/admin/users?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
        headers: bearer(admin.accessToken),
      });
      for (const u of res.json().items as Array<{ username: string; externalId: string | null }>) seen.set(u.username, u.externalId);
      cursor = res.json().nextCursor;
    } while (cursor);
    assert.equal(seen.get('ext_signed_up'), null);
    assert.ok([...seen.values()].includes('listed-ext'));
  });

  test('the database refuses a malformed external id whatever the route', async () => {
    const p = await signup(h.app, 'ext_db_check');
    await assert.rejects(h.db.updateTable('users').set({ external_id: 'has space' }).where('id', '=', p.id).execute(), /users_external_id_format/);
  });
});

describe('POST /internal/users/external/resolve', () => {
  test('creates the unknown ids (no password, given timezone, profile queued) and returns the known ones as they are', async () => {
    const known = await put('resolve-known', { timezone: 'Europe/Paris' });
    const res = await resolve([
      { externalId: 'resolve-new-1', timezone: 'Asia/Tokyo' },
      { externalId: 'resolve-known', timezone: 'Asia/Tokyo' },
      { externalId: 'resolve-new-2' },
      { externalId: 'resolve-new-1', timezone: 'Europe/Berlin' },
    ]);
    assert.equal(res.statusCode, 200, res.body);
    const users = res.json().users as Array<{ externalId: string; created: boolean; user: { id: string; timezone: string; status: string; externalId: string } }>;
    assert.deepEqual(
      users.map((u) => [u.externalId, u.created, u.user.timezone]),
      [
        ['resolve-new-1', true, 'Asia/Tokyo'],
        ['resolve-known', false, 'Europe/Paris'],
        ['resolve-new-2', true, 'UTC'],
      ],
    );
    assert.equal(users[1]!.user.id, known.json().user.id);
    assert.equal(users[0]!.user.externalId, 'resolve-new-1');
    assert.equal(users[0]!.user.status, 'new');
    assert.equal(await profileRows(users[0]!.user.id), 1);
    assert.equal(await profileRows(users[2]!.user.id), 1);
    const row = await h.db.selectFrom('users').selectAll().where('id', '=', users[0]!.user.id).executeTakeFirstOrThrow();
    assert.equal(row.password_hash, null);

    const again = await resolve([{ externalId: 'resolve-new-1' }, { externalId: 'resolve-new-2', timezone: 'Asia/Tokyo' }]);
    assert.deepEqual(
      (again.json().users as typeof users).map((u) => [u.user.id, u.created, u.user.timezone]),
      [
        [users[0]!.user.id, false, 'Asia/Tokyo'],
        [users[2]!.user.id, false, 'UTC'],
      ],
    );
    assert.equal(await profileRows(users[0]!.user.id), 1, 'nothing queued for known users');
  });

  test('concurrent batches sharing ids (in any order) → one user per id, created once', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `resolve-race-${i}`);
    const batches = Array.from({ length: 6 }, (_, b) => (b % 2 ? [...ids].reverse() : ids).map((externalId) => ({ externalId })));
    const results = await Promise.all(batches.map((b) => resolve(b)));
    for (const r of results) assert.equal(r.statusCode, 200, r.body);
    for (const id of ids) {
      const answers = results.map((r) => (r.json().users as Array<{ externalId: string; created: boolean; user: { id: string } }>).find((u) => u.externalId === id)!);
      assert.equal(new Set(answers.map((a) => a.user.id)).size, 1, id);
      assert.equal(answers.filter((a) => a.created).length, 1, id);
    }
    const rows = await h.db.selectFrom('users').select('id').where('external_id', 'in', ids).execute();
    assert.equal(rows.length, 30);
  });

  test('bad batches → 400, nothing written; unsigned → 401', async () => {
    const before = await userCount();
    for (const users of [[], [{ externalId: 'x'.repeat(129) }], [{ externalId: 'ok-1' }, { externalId: 'not ok' }], [{ externalId: 'tz-bad', timezone: 'Nowhere/Land' }]]) {
      const res = await resolve(users);
      assert.equal(res.statusCode, 400, JSON.stringify(users));
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
    }
    const unsigned = await h.app.inject({ method: 'POST', url: '/internal/users/external/resolve', payload: { users: [{ externalId: 'ok-2' }] } });
    assert.equal(unsigned.statusCode, 401);
    assert.equal(await userCount(), before);
  });
});
