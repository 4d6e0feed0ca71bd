import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader } from 'jose';
import { createTokenVerifier } from '@questline/platform';
import { findOutboxRows } from '../src/db/outbox.repository.js';
import { bearer, login, signup, startAuth, type Harness } from './support.js';

let h: Harness;
before(async () => {
  h = await startAuth();
});
after(async () => {
  await h?.close();
});

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url, payload: payload as object, headers });

describe('POST /api/v1/auth/signup', () => {
  test('creates a new user with zero balances and the default timezone', async () => {
    const res = await post('/api/v1/auth/signup', { username: 'Alice.W', password: 'password-123' });
    assert.equal(res.statusCode, 201);
    const { user } = res.json();
    assert.match(user.id, /^[0-9a-f-]{36}$/);
    assert.equal(user.username, 'Alice.W');
    assert.equal(user.role, 'player');
    assert.equal(user.status, 'new');
    assert.equal(user.timezone, 'UTC');
    assert.deepEqual(user.balances, { gold: 0, diamond: 0 });
    assert.equal(user.xp, 0);
    assert.deepEqual(user.badges, []);
    assert.equal(user.lastLoginAt, null);
    assert.ok(!Number.isNaN(Date.parse(user.createdAt)));
    assert.equal('passwordHash' in user || 'password_hash' in user, false);
  });

  test('stores an argon2id hash, never the password', async () => {
    await signup(h.app, 'hash_check', 'secret-password');
    const row = await h.db.selectFrom('users').select('password_hash').where('username', '=', 'hash_check').executeTakeFirstOrThrow();
    assert.match(row.password_hash ?? '', /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  test('accepts an IANA timezone', async () => {
    const user = await signup(h.app, 'tokyo_user', 'password-123', 'Asia/Tokyo');
    assert.equal((user as unknown as { timezone: string }).timezone, 'Asia/Tokyo');
  });

  test('refuses a taken username, whatever its case', async () => {
    await signup(h.app, 'bob_1');
    for (const username of ['bob_1', 'BOB_1', 'Bob_1']) {
      const res = await post('/api/v1/auth/signup', { username, password: 'password-123' });
      assert.equal(res.statusCode, 409, username);
      assert.equal(res.json().error.code, 'USERNAME_TAKEN');
    }
  });

  test('concurrent signups of one name create exactly one user', async () => {
    const results = await Promise.all(
      ['racer', 'RACER', 'Racer', 'racer'].map((username) => post('/api/v1/auth/signup', { username, password: 'password-123' })),
    );
    const codes = results.map((r) => r.statusCode).sort();
    assert.deepEqual(codes, [201, 409, 409, 409]);
  });

  const invalid: Array<[string, unknown, string]> = [
    ['short username', { username: 'ab', password: 'password-123' }, 'username'],
    ['long username', { username: 'a'.repeat(33), password: 'password-123' }, 'username'],
    ['bad characters', { username: 'bad name!', password: 'password-123' }, 'username'],
    ['short password', { username: 'shorty', password: 'short' }, 'password'],
    ['long password', { username: 'longpw', password: 'p'.repeat(129) }, 'password'],
    ['bad timezone', { username: 'tzuser', password: 'password-123', timezone: 'Mars/Olympus' }, 'timezone'],
    ['offset timezone', { username: 'tzuser2', password: 'password-123', timezone: '+02:00' }, 'timezone'],
    ['unknown field', { username: 'extra', password: 'password-123', role: 'admin' }, 'role'],
    ['missing password', { username: 'nopw' }, 'password'],
    ['non-string username', { username: 12345, password: 'password-123' }, 'username'],
  ];
  for (const [name, body, field] of invalid) {
    test(`400 VALIDATION_FAILED for ${name}`, async () => {
      const res = await post('/api/v1/auth/signup', body);
      assert.equal(res.statusCode, 400);
      const { error } = res.json();
      assert.equal(error.code, 'VALIDATION_FAILED');
      assert.equal(error.field, field);
      assert.ok(error.requestId);
    });
  }

  test('malformed JSON is a 400, not a 500', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      headers: { 'content-type': 'application/json' },
      payload: '{"username": "x",',
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'INVALID_JSON');
  });
});

describe('POST /api/v1/auth/login', () => {
  test('returns a token pair, activates a new user and queues a login event', async () => {
    const created = await signup(h.app, 'carol');
    const res = await post('/api/v1/auth/login', { username: 'CAROL', password: 'password-123' });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.tokenType, 'Bearer');
    assert.equal(body.expiresIn, 900);
    assert.equal(typeof body.accessToken, 'string');
    assert.match(body.refreshToken, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(body.user.id, created.id);
    assert.equal(body.user.status, 'active');
    assert.ok(body.user.lastLoginAt);

    const events = await findOutboxRows(h.db, created.id, 'login');
    assert.equal(events.length, 1);
    assert.equal(events[0]!.delivered_at, null);
    const stored = await h.db.selectFrom('refresh_tokens').select('token_hash').where('user_id', '=', created.id).execute();
    assert.equal(stored.length, 1);
    assert.notEqual(stored[0]!.token_hash, body.refreshToken);
  });

  test('wrong password and unknown user get the same 401 INVALID_CREDENTIALS', async () => {
    await signup(h.app, 'dave');
    const wrong = await post('/api/v1/auth/login', { username: 'dave', password: 'not-the-password' });
    const unknown = await post('/api/v1/auth/login', { username: 'nobody_here', password: 'password-123' });
    for (const res of [wrong, unknown]) {
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error.code, 'INVALID_CREDENTIALS');
      assert.equal(res.json().error.message, wrong.json().error.message);
    }
  });

  test('a banned user gets 403 USER_BANNED, and no login is recorded', async () => {
    const user = await signup(h.app, 'eve_banned');
    await h.db.updateTable('users').set({ status: 'banned' }).where('id', '=', user.id).execute();
    const res = await post('/api/v1/auth/login', { username: 'eve_banned', password: 'password-123' });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'USER_BANNED');
    assert.equal((await findOutboxRows(h.db, user.id, 'login')).length, 0);
    // The password is checked first: a wrong one reveals nothing about the ban.
    const wrong = await post('/api/v1/auth/login', { username: 'eve_banned', password: 'wrong-password' });
    assert.equal(wrong.statusCode, 401);
  });

  test('validates the body', async () => {
    const res = await post('/api/v1/auth/login', { username: 'carol' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'VALIDATION_FAILED');
    assert.equal(res.json().error.field, 'password');
  });

  test('names every failing field at once, the first also as field and message', async () => {
    const res = await post('/api/v1/auth/signup', { username: 'x', password: 'short', timezone: 'Mars/Olympus', extra: 1 });
    assert.equal(res.statusCode, 400);
    const { error } = res.json();
    assert.equal(error.code, 'VALIDATION_FAILED');
    const fields = (error.fields as Array<{ field: string; message: string }>).map((f) => f.field).sort();
    assert.deepEqual(fields, ['extra', 'password', 'timezone', 'username']);
    assert.equal(error.fields.filter((f: { field: string }) => f.field === 'username').length, 1, 'one entry per field');
    assert.deepEqual({ field: error.field, message: error.message }, error.fields[0]);
    assert.equal((await h.db.selectFrom('users').select('id').where('username', '=', 'x').execute()).length, 0, 'nothing written');
  });
});

describe('POST /api/v1/auth/refresh', () => {
  test('rotates: the new pair works, the old refresh token does not', async () => {
    await signup(h.app, 'frank');
    const first = await login(h.app, 'frank');
    const res = await post('/api/v1/auth/refresh', { refreshToken: first.refreshToken });
    assert.equal(res.statusCode, 200);
    const second = res.json();
    assert.notEqual(second.refreshToken, first.refreshToken);
    assert.equal(second.tokenType, 'Bearer');
    assert.equal(second.user.username, 'frank');
    const me = await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(second.accessToken) });
    assert.equal(me.statusCode, 200);

    const third = await post('/api/v1/auth/refresh', { refreshToken: second.refreshToken });
    assert.equal(third.statusCode, 200);
  });

  test('reusing a spent token revokes the whole family', async () => {
    await signup(h.app, 'grace');
    const first = await login(h.app, 'grace');
    const rotated = (await post('/api/v1/auth/refresh', { refreshToken: first.refreshToken })).json();

    const reuse = await post('/api/v1/auth/refresh', { refreshToken: first.refreshToken });
    assert.equal(reuse.statusCode, 401);
    assert.equal(reuse.json().error.code, 'INVALID_TOKEN');
    // The legitimate holder's newer token is dead too: the thief and the owner both start over.
    const after = await post('/api/v1/auth/refresh', { refreshToken: rotated.refreshToken });
    assert.equal(after.statusCode, 401);
    assert.equal(after.json().error.code, 'INVALID_TOKEN');
  });

  test('another session of the same user survives a family revocation', async () => {
    await signup(h.app, 'heidi');
    const a = await login(h.app, 'heidi');
    const b = await login(h.app, 'heidi');
    await post('/api/v1/auth/refresh', { refreshToken: a.refreshToken });
    await post('/api/v1/auth/refresh', { refreshToken: a.refreshToken }); // reuse → family a revoked
    const res = await post('/api/v1/auth/refresh', { refreshToken: b.refreshToken });
    assert.equal(res.statusCode, 200);
  });

  test('unknown and expired tokens are 401 INVALID_TOKEN', async () => {
    const unknown = await post('/api/v1/auth/refresh', { refreshToken: 'x'.repeat(43) });
    assert.equal(unknown.statusCode, 401);
    assert.equal(unknown.json().error.code, 'INVALID_TOKEN');

    const user = await signup(h.app, 'ivan');
    const tokens = await login(h.app, 'ivan');
    await h.db.updateTable('refresh_tokens').set({ expires_at: new Date(Date.now() - 1000) }).where('user_id', '=', user.id).execute();
    const expired = await post('/api/v1/auth/refresh', { refreshToken: tokens.refreshToken });
    assert.equal(expired.statusCode, 401);
    assert.equal(expired.json().error.code, 'INVALID_TOKEN');
  });

  test('a banned user cannot refresh, and the session is revoked', async () => {
    const user = await signup(h.app, 'judy');
    const tokens = await login(h.app, 'judy');
    await h.db.updateTable('users').set({ status: 'banned' }).where('id', '=', user.id).execute();
    const res = await post('/api/v1/auth/refresh', { refreshToken: tokens.refreshToken });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'USER_BANNED');
    const rows = await h.db.selectFrom('refresh_tokens').select('revoked_at').where('user_id', '=', user.id).execute();
    assert.ok(rows.every((r) => r.revoked_at !== null));
  });

  test('validates the body', async () => {
    const res = await post('/api/v1/auth/refresh', { refreshToken: 'a'.repeat(300) });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.field, 'refreshToken');
  });
});

describe('POST /api/v1/auth/logout', () => {
  test('revokes the session: its refresh token no longer works', async () => {
    await signup(h.app, 'kim');
    const tokens = await login(h.app, 'kim');
    const res = await post('/api/v1/auth/logout', { refreshToken: tokens.refreshToken }, bearer(tokens.accessToken));
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, '');
    const refresh = await post('/api/v1/auth/refresh', { refreshToken: tokens.refreshToken });
    assert.equal(refresh.statusCode, 401);
  });

  test("cannot revoke another user's session", async () => {
    await signup(h.app, 'leo');
    await signup(h.app, 'mia');
    const leo = await login(h.app, 'leo');
    const mia = await login(h.app, 'mia');
    const res = await post('/api/v1/auth/logout', { refreshToken: mia.refreshToken }, bearer(leo.accessToken));
    assert.equal(res.statusCode, 204);
    const refresh = await post('/api/v1/auth/refresh', { refreshToken: mia.refreshToken });
    assert.equal(refresh.statusCode, 200);
  });

  test('requires a token', async () => {
    const res = await post('/api/v1/auth/logout', { refreshToken: 'whatever' });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'UNAUTHENTICATED');
  });
});

describe('GET /.well-known/jwks.json', () => {
  test('publishes the public key only, and it verifies issued tokens', async () => {
    await signup(h.app, 'nina', 'password-123', 'Europe/Paris');
    const tokens = await login(h.app, 'nina');
    const res = await h.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    assert.equal(res.statusCode, 200);
    const jwks = res.json();
    assert.equal(jwks.keys.length, 1);
    const [key] = jwks.keys;
    assert.equal(key.kty, 'OKP');
    assert.equal(key.crv, 'Ed25519');
    assert.equal(key.alg, 'EdDSA');
    assert.equal(key.use, 'sig');
    assert.equal(key.d, undefined);
    assert.equal(decodeProtectedHeader(tokens.accessToken).kid, key.kid);

    const claims = await createTokenVerifier(createLocalJWKSet(jwks))(tokens.accessToken);
    assert.deepEqual(claims, { id: tokens.user.id, role: 'player', status: 'active', timezone: 'Europe/Paris' });
  });

  test('works as a remote JWKS over real HTTP', async () => {
    await signup(h.app, 'omar');
    const tokens = await login(h.app, 'omar');
    const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const verify = createTokenVerifier(createRemoteJWKSet(new URL(`${address}/.well-known/jwks.json`)));
    const claims = await verify(tokens.accessToken);
    assert.equal(claims.id, tokens.user.id);
  });
});
