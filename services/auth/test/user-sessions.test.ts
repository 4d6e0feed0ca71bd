import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { createApiKey } from './api-key-support.js';
import { bearer, loginAdmin, player, startAuth, type Harness, type Tokens } from './support.js';

let h: Harness;
let admin: Tokens;
before(async () => {
  h = await startAuth();
  admin = await loginAdmin(h.app);
});
after(async () => {
  await h?.close();
});

const mint = (userId: string, payload?: Record<string, unknown>, token = admin.accessToken) =>
  h.app.inject({ method: 'POST', url: `/api/v1/users/${userId}/sessions`, headers: bearer(token), ...(payload ? { payload } : {}) });
const externalUser = async (externalId: string) => {
  const res = await h.app.inject({ method: 'PUT', url: `/api/v1/users/external/${externalId}`, headers: bearer(admin.accessToken), payload: {} });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().user as { id: string; username: string };
};
const me = (token: string) => h.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) });
const auditOf = (entityKey: string) =>
  h.db.selectFrom('audit_log').selectAll().where('entity_key', '=', entityKey).orderBy('id').execute();

describe('POST /api/v1/users/{userId}/sessions', () => {
  test('mints a player access token (default 900 s) that reads /api/v1/me; the first session makes a new user active', async () => {
    const user = await externalUser('session-user-1');
    const res = await mint(user.id);
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.equal(body.tokenType, 'Bearer');
    assert.equal(body.expiresIn, 900);
    assert.deepEqual(Object.keys(body).sort(), ['accessToken', 'expiresIn', 'tokenType'], 'no refresh token');
    const claims = decodeJwt(body.accessToken);
    assert.equal(claims.sub, user.id);
    assert.equal(claims.role, 'player');
    assert.equal(claims.exp! - claims.iat!, 900);

    const read = await me(body.accessToken);
    assert.equal(read.statusCode, 200, read.body);
    assert.equal(read.json().user.id, user.id);
    assert.equal(read.json().user.externalId, 'session-user-1');
    assert.equal(read.json().user.status, 'active');
    assert.equal(read.json().user.lastLoginAt, null, 'a minted session is not a password login');

    const row = await h.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    assert.equal(row.profile_version, 2);
    const outbox = await h.db.selectFrom('outbox').select('kind').where('user_id', '=', user.id).execute();
    assert.deepEqual(outbox.map((o) => o.kind).sort(), ['profile', 'profile'], 'created + activated; no login event');
    const audit = await auditOf(user.id);
    assert.deepEqual(
      audit.map((a) => [a.action, a.actor_id]),
      [['user.session_created', `user:${admin.user.id}`]],
    );

    // A second session changes nothing more about the user.
    assert.equal((await mint(user.id, { ttlSeconds: 60 })).statusCode, 201);
    assert.equal((await h.db.selectFrom('users').select('profile_version').where('id', '=', user.id).executeTakeFirstOrThrow()).profile_version, 2);
  });

  test('ttlSeconds is honoured from 60 to 86,400; 0, 59, 86,401, 10^9, 1.5 and "900" → 400 naming ttlSeconds', async () => {
    const user = await externalUser('session-ttl');
    for (const ttl of [60, 86_400]) {
      const res = await mint(user.id, { ttlSeconds: ttl });
      assert.equal(res.statusCode, 201);
      assert.equal(res.json().expiresIn, ttl);
      const claims = decodeJwt(res.json().accessToken);
      assert.equal(claims.exp! - claims.iat!, ttl);
    }
    const before = (await auditOf(user.id)).length;
    for (const ttl of [0, 59, 86_401, 1e9, 1.5, '900', null]) {
      const res = await mint(user.id, { ttlSeconds: ttl });
      assert.equal(res.statusCode, 400, `${ttl}: ${res.body}`);
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
      assert.equal(res.json().error.field, 'ttlSeconds');
    }
    const extra = await mint(user.id, { ttlSeconds: 60, refresh: true });
    assert.equal(extra.statusCode, 400);
    assert.equal((await auditOf(user.id)).length, before, 'no session minted');
  });

  test('works for players who signed up too; an unknown user → 404; an admin → 403 (a session would carry every scope)', async () => {
    const p = await player(h.app, 'session_signed_up');
    assert.equal((await mint(p.id, {})).statusCode, 201);
    const missing = await mint('00000000-0000-4000-8000-000000000000');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'NOT_FOUND');
    const adminTarget = await mint(admin.user.id);
    assert.equal(adminTarget.statusCode, 403);
    assert.equal(adminTarget.json().error.code, 'FORBIDDEN');
    assert.equal((await mint('not-a-uuid')).statusCode, 400);
  });

  test('a banned user → 403 USER_BANNED; a session minted before the ban is refused on /me at once', async () => {
    const user = await externalUser('session-banned');
    const token = (await mint(user.id)).json().accessToken as string;
    const ban = await h.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${user.id}`, headers: bearer(admin.accessToken), payload: { status: 'banned' } });
    assert.equal(ban.statusCode, 200);
    const refused = await me(token);
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'USER_BANNED');
    const again = await mint(user.id);
    assert.equal(again.statusCode, 403);
    assert.equal(again.json().error.code, 'USER_BANNED');
  });

  test('no credential → 401; a player token → 403 (a player cannot mint anyone a session, itself included)', async () => {
    const p = await player(h.app, 'session_player');
    const none = await h.app.inject({ method: 'POST', url: `/api/v1/users/${p.id}/sessions` });
    assert.equal(none.statusCode, 401);
    const own = await mint(p.id, {}, p.accessToken);
    assert.equal(own.statusCode, 403);
    assert.equal(own.json().error.code, 'FORBIDDEN');
  });

  test('API keys: users:write mints (audited as the key); users:read → 403', async () => {
    const writer = await createApiKey(h.app, admin.accessToken, ['users:write']);
    const reader = (await createApiKey(h.app, admin.accessToken, ['users:read', 'events:write']))!;
    const user = await externalUser('session-key');
    const res = await mint(user.id, { ttlSeconds: 120 }, writer.secret);
    assert.equal(res.statusCode, 201, res.body);
    assert.equal((await me(res.json().accessToken)).statusCode, 200);
    const denied = await mint(user.id, {}, reader.secret);
    assert.equal(denied.statusCode, 403);
    assert.match(denied.json().error.message, /users:write/);
    assert.deepEqual(
      (await auditOf(user.id)).map((a) => a.actor_id),
      [`key:${writer.id}`],
    );
  });
});
