import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@questline/platform';
import { buildApp } from '../src/app.js';
import { ADMIN, YEAR_ZERO_CURSOR, bearer, login, loginAdmin, player, signup, startAuth, type Harness, type Tokens } from './support.js';

let h: Harness;
let admin: Tokens;
before(async () => {
  h = await startAuth();
  admin = await loginAdmin(h.app);
});
after(async () => {
  await h?.close();
});

const call = (method: 'GET' | 'PATCH' | 'POST', url: string, token?: string, payload?: unknown) =>
  h.app.inject({ method, url, headers: token ? bearer(token) : {}, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('admin bootstrap', () => {
  test('the configured admin exists, is active and can log in', async () => {
    assert.equal(admin.user.role, 'admin');
    assert.equal(admin.user.status, 'active');
  });

  test('restarting leaves an existing admin as it is: its password is never reset', async () => {
    const before = await h.db.selectFrom('users').selectAll().where('username', '=', ADMIN.username).executeTakeFirstOrThrow();
    const restarted = await buildApp({ ...h.config, ADMIN_USERNAME: ADMIN.username.toUpperCase(), ADMIN_PASSWORD: 'a-different-password' });
    await restarted.close();
    const after = await h.db.selectFrom('users').selectAll().where('id', '=', before.id).executeTakeFirstOrThrow();
    assert.deepEqual(after, before);
    assert.equal((await loginAdmin(h.app)).user.role, 'admin');
    await assert.rejects(login(h.app, ADMIN.username, 'a-different-password'));
  });

  test('an ADMIN_USERNAME that names a player refuses to start, naming the key, and promotes nobody', async () => {
    const squatter = await signup(h.app, 'squatter', 'squatters-password');
    const outboxBefore = await h.db.selectFrom('outbox').select('id').where('user_id', '=', squatter.id).execute();
    await assert.rejects(
      buildApp({ ...h.config, ADMIN_USERNAME: 'SQUATTER', ADMIN_PASSWORD: 'a-different-password' }),
      (err: unknown) => err instanceof ConfigError && err.key === 'ADMIN_USERNAME' && /ADMIN_USERNAME.*not an admin/.test(err.message),
    );
    const user = await h.db.selectFrom('users').selectAll().where('id', '=', squatter.id).executeTakeFirstOrThrow();
    assert.equal(user.role, 'player');
    assert.equal(user.status, 'new');
    assert.equal((await h.db.selectFrom('outbox').select('id').where('user_id', '=', squatter.id).execute()).length, outboxBefore.length);
    assert.equal((await login(h.app, 'squatter', 'squatters-password')).user.role, 'player');
    await assert.rejects(login(h.app, 'squatter', 'a-different-password'));
  });

  test('a name nobody has is created as an admin with the configured password', async () => {
    const restarted = await buildApp({ ...h.config, ADMIN_USERNAME: 'fresh_admin', ADMIN_PASSWORD: 'fresh-admin-pw' });
    await restarted.close();
    const tokens = await login(h.app, 'fresh_admin', 'fresh-admin-pw');
    assert.equal(tokens.user.role, 'admin');
    // Restore: later tests count admins.
    await h.db.updateTable('users').set({ role: 'player' }).where('id', '=', tokens.user.id).execute();
  });
});

describe('GET /api/v1/admin/users/:userId', () => {
  test('one user with balances, as the list shows them; an unknown id is 404, a malformed one 400', async () => {
    const p = await player(h.app, 'one_user');
    const res = await call('GET', `/api/v1/admin/users/${p.id}`, admin.accessToken);
    assert.equal(res.statusCode, 200, res.body);
    const listed = (await call('GET', '/api/v1/admin/users?limit=200', admin.accessToken)).json().items.find((u: { id: string }) => u.id === p.id);
    assert.deepEqual(res.json().user, listed);
    assert.deepEqual(Object.keys(res.json().user.balances).sort(), Object.keys(listed.balances).sort());
    const missing = await call('GET', '/api/v1/admin/users/00000000-0000-4000-8000-00000000dead', admin.accessToken);
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'NOT_FOUND');
    const bad = await call('GET', '/api/v1/admin/users/not-a-uuid', admin.accessToken);
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'VALIDATION_FAILED');
  });
});

describe('admin access control', () => {
  const routes: Array<['GET' | 'PATCH' | 'POST', string, unknown]> = [
    ['GET', '/api/v1/admin/users', undefined],
    ['GET', '/api/v1/admin/users/00000000-0000-4000-8000-000000000000', undefined],
    ['PATCH', '/api/v1/admin/users/00000000-0000-4000-8000-000000000000', { status: 'banned' }],
    ['POST', '/api/v1/admin/users/00000000-0000-4000-8000-000000000000/grants', { currency: 'gold', amount: 1, reason: 'x', idempotencyKey: 'k' }],
  ];

  test('no token → 401, a player → 403 FORBIDDEN', async () => {
    const p = await player(h.app, 'plain_player');
    for (const [method, url, body] of routes) {
      const anon = await call(method, url, undefined, body);
      assert.equal(anon.statusCode, 401, `${method} ${url}`);
      assert.equal(anon.json().error.code, 'UNAUTHENTICATED');
      const res = await call(method, url, p.accessToken, body);
      assert.equal(res.statusCode, 403, `${method} ${url}`);
      assert.equal(res.json().error.code, 'FORBIDDEN');
    }
  });

  test("a banned or demoted admin's still-valid token is refused", async () => {
    const second = await player(h.app, 'second_admin');
    const promoted = await call('PATCH', `/api/v1/admin/users/${second.id}`, admin.accessToken, { role: 'admin' });
    assert.equal(promoted.json().user.role, 'admin');
    const secondAdmin = await login(h.app, 'second_admin');
    assert.equal((await call('GET', '/api/v1/admin/users', secondAdmin.accessToken)).statusCode, 200);

    await call('PATCH', `/api/v1/admin/users/${second.id}`, admin.accessToken, { role: 'player' });
    const demoted = await call('GET', '/api/v1/admin/users', secondAdmin.accessToken);
    assert.equal(demoted.statusCode, 403);
    assert.equal(demoted.json().error.code, 'FORBIDDEN');

    await call('PATCH', `/api/v1/admin/users/${second.id}`, admin.accessToken, { role: 'admin' });
    await call('PATCH', `/api/v1/admin/users/${second.id}`, admin.accessToken, { status: 'banned' });
    for (const [method, url, body] of routes) {
      const res = await call(method, url, secondAdmin.accessToken, body);
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'USER_BANNED');
    }
    await call('PATCH', `/api/v1/admin/users/${second.id}`, admin.accessToken, { role: 'player', status: 'active' });
  });
});

describe('GET /api/v1/admin/users', () => {
  test('pages through all users with their balances', async () => {
    for (const name of ['list_a', 'list_b', 'list_c']) await signup(h.app, name);
    const total = Number(
      (await h.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n,
    );
    const seen: Array<{ id: string; username: string; balances: Record<string, number> }> = [];
    let cursor: string | null = null;
    do {
      const res = await call('GET', `/api/v1/admin/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`, admin.accessToken);
      assert.equal(res.statusCode, 200);
      seen.push(...res.json().items);
      cursor = res.json().nextCursor;
    } while (cursor);
    assert.equal(seen.length, total);
    assert.equal(new Set(seen.map((u) => u.id)).size, total);
    assert.equal(seen[0]!.username, ADMIN.username);
    assert.ok(seen.every((u) => typeof u.balances.gold === 'number' && typeof u.balances.diamond === 'number'));
  });

  test('a cursor holding an instant PostgreSQL cannot store (year 0000) → 400 naming cursor, not 500', async () => {
    const res = await call('GET', `/api/v1/admin/users?cursor=${YEAR_ZERO_CURSOR}`, admin.accessToken);
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'VALIDATION_FAILED');
    assert.equal(res.json().error.field, 'cursor');
  });
});

describe('PATCH /api/v1/admin/users/{userId}', () => {
  test('banning revokes every session; unbanning lets the user back in', async () => {
    const p = await player(h.app, 'to_ban');
    const res = await call('PATCH', `/api/v1/admin/users/${p.id}`, admin.accessToken, { status: 'banned' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().user.status, 'banned');
    const refresh = await h.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: p.refreshToken } });
    assert.equal(refresh.statusCode, 401);
    const relog = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'to_ban', password: 'password-123' } });
    assert.equal(relog.statusCode, 403);

    const unban = await call('PATCH', `/api/v1/admin/users/${p.id}`, admin.accessToken, { status: 'active' });
    assert.equal(unban.json().user.status, 'active');
    assert.equal((await login(h.app, 'to_ban')).user.status, 'active');
  });

  test('the last admin cannot be demoted or banned → 409 LAST_ADMIN', async () => {
    const me = admin.user.id;
    for (const body of [{ role: 'player' }, { status: 'banned' }]) {
      const res = await call('PATCH', `/api/v1/admin/users/${me}`, admin.accessToken, body);
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().error.code, 'LAST_ADMIN');
    }
  });

  test('two admins demoting each other at once leave one admin', async () => {
    const other = await player(h.app, 'duel_admin');
    await call('PATCH', `/api/v1/admin/users/${other.id}`, admin.accessToken, { role: 'admin' });
    const otherTokens = await login(h.app, 'duel_admin');
    const [a, b] = await Promise.all([
      call('PATCH', `/api/v1/admin/users/${other.id}`, admin.accessToken, { role: 'player' }),
      call('PATCH', `/api/v1/admin/users/${admin.user.id}`, otherTokens.accessToken, { role: 'player' }),
    ]);
    const codes = [a.statusCode, b.statusCode];
    assert.ok(codes.includes(200), String(codes));
    const admins = await h.db.selectFrom('users').select('id').where('role', '=', 'admin').where('status', '<>', 'banned').execute();
    assert.equal(admins.length, 1);
    if (admins[0]!.id !== admin.user.id) {
      // The other admin won: restore the bootstrap admin for the remaining tests.
      await h.db.updateTable('users').set({ role: 'admin' }).where('id', '=', admin.user.id).execute();
    }
  });

  test('unknown user → 404, bad id or body → 400', async () => {
    const missing = await call('PATCH', '/api/v1/admin/users/00000000-0000-4000-8000-000000000000', admin.accessToken, { status: 'banned' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'NOT_FOUND');
    const p = await player(h.app, 'patch_bad');
    const cases: Array<[string, unknown]> = [
      ['/api/v1/admin/users/not-a-uuid', { status: 'banned' }],
      [`/api/v1/admin/users/${p.id}`, { status: 'new' }],
      [`/api/v1/admin/users/${p.id}`, { role: 'root' }],
      [`/api/v1/admin/users/${p.id}`, {}],
      [`/api/v1/admin/users/${p.id}`, { status: 'banned', username: 'x' }],
    ];
    for (const [url, body] of cases) {
      const res = await call('PATCH', url, admin.accessToken, body);
      assert.equal(res.statusCode, 400, `${url} ${JSON.stringify(body)}`);
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
    }
  });
});

describe('POST /api/v1/admin/users/{userId}/grants', () => {
  const body = { currency: 'gold', amount: 50, reason: 'compensation', idempotencyKey: 'comp-1' };

  test('pays once: 201 then 200 with the same entry', async () => {
    const p = await player(h.app, 'grant_target');
    const first = await call('POST', `/api/v1/admin/users/${p.id}/grants`, admin.accessToken, body);
    assert.equal(first.statusCode, 201);
    const { entry } = first.json();
    assert.equal(entry.currency, 'gold');
    assert.equal(entry.amount, 50);
    assert.equal(entry.reason, 'compensation');
    assert.deepEqual(entry.source, { type: 'admin' });
    assert.equal(entry.userId, p.id);

    const again = await call('POST', `/api/v1/admin/users/${p.id}/grants`, admin.accessToken, body);
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json().entry, entry);

    const me = await call('GET', '/api/v1/me', p.accessToken);
    assert.equal(me.json().user.balances.gold, 50);
  });

  test('20 concurrent identical grants pay exactly once', async () => {
    const p = await player(h.app, 'grant_race');
    const race = { ...body, idempotencyKey: 'race-1', amount: 7 };
    const results = await Promise.all(
      Array.from({ length: 20 }, () => call('POST', `/api/v1/admin/users/${p.id}/grants`, admin.accessToken, race)),
    );
    const codes = results.map((r) => r.statusCode);
    assert.equal(codes.filter((c) => c === 201).length, 1, String(codes));
    assert.equal(codes.filter((c) => c === 200).length, 19, String(codes));
    assert.equal(new Set(results.map((r) => r.json().entry.id)).size, 1);
    const balance = await h.db.selectFrom('balances').select('amount').where('user_id', '=', p.id).where('currency', '=', 'gold').executeTakeFirstOrThrow();
    assert.equal(balance.amount, 7);
    const entries = await h.db.selectFrom('ledger_entries').select('id').where('user_id', '=', p.id).execute();
    assert.equal(entries.length, 1);
  });

  test('the same key for another user is a separate grant; for another amount it is refused', async () => {
    const a = await player(h.app, 'grant_key_a');
    const b = await player(h.app, 'grant_key_b');
    const shared = { ...body, idempotencyKey: 'shared-key' };
    assert.equal((await call('POST', `/api/v1/admin/users/${a.id}/grants`, admin.accessToken, shared)).statusCode, 201);
    assert.equal((await call('POST', `/api/v1/admin/users/${b.id}/grants`, admin.accessToken, shared)).statusCode, 201);
    const changed = await call('POST', `/api/v1/admin/users/${a.id}/grants`, admin.accessToken, { ...shared, amount: 999 });
    assert.equal(changed.statusCode, 409);
    assert.equal(changed.json().error.code, 'IDEMPOTENCY_KEY_REUSED');
    assert.equal((await call('GET', '/api/v1/me', a.accessToken)).json().user.balances.gold, 50);
  });

  test('unknown user → 404; invalid bodies → 400', async () => {
    const missing = await call('POST', '/api/v1/admin/users/00000000-0000-4000-8000-000000000000/grants', admin.accessToken, body);
    assert.equal(missing.statusCode, 404);
    const p = await player(h.app, 'grant_invalid');
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ ...body, amount: 0 }, 'amount'],
      [{ ...body, amount: -5 }, 'amount'],
      [{ ...body, amount: 1.5 }, 'amount'],
      [{ ...body, amount: '10' }, 'amount'],
      [{ ...body, currency: 'GOLD!' }, 'currency'],
      [{ ...body, reason: '' }, 'reason'],
      [{ ...body, idempotencyKey: 'k'.repeat(201) }, 'idempotencyKey'],
      [{ ...body, extra: true }, 'extra'],
    ];
    for (const [payload, field] of bad) {
      const res = await call('POST', `/api/v1/admin/users/${p.id}/grants`, admin.accessToken, payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(res.json().error.field, field);
    }
  });
});
