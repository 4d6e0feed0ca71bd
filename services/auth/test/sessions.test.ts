import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { bearer, login, loginAdmin, player, signup, startAuth, type Harness, type Tokens } from './support.js';

let h: Harness;
let admin: Tokens;
before(async () => {
  h = await startAuth();
  admin = await loginAdmin(h.app);
});
after(async () => {
  await h?.close();
});

const refresh = (refreshToken: string) => h.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
const sessionsOf = (userId: string) => h.db.selectFrom('refresh_tokens').selectAll().where('user_id', '=', userId).execute();

describe('refresh token rotation', () => {
  test('only the hash is stored; each use mints a new token in the same family', async () => {
    const p = await player(h.app, 'rot_chain');
    let current = p.refreshToken;
    for (let i = 0; i < 3; i++) {
      const res = await refresh(current);
      assert.equal(res.statusCode, 200);
      current = res.json().refreshToken;
    }
    const rows = await sessionsOf(p.id);
    assert.equal(rows.length, 4);
    assert.equal(new Set(rows.map((r) => r.family_id)).size, 1);
    assert.equal(rows.filter((r) => r.used_at === null).length, 1, 'exactly one live token');
    assert.ok(rows.every((r) => r.token_hash !== current && /^[0-9a-f]{64}$/.test(r.token_hash)));
  });

  test('a refreshed access token carries the current profile (timezone, role)', async () => {
    const p = await player(h.app, 'rot_profile');
    await h.app.inject({ method: 'PATCH', url: '/api/v1/me', headers: bearer(p.accessToken), payload: { timezone: 'Asia/Tokyo' } });
    const res = await refresh(p.refreshToken);
    const claims = decodeJwt(res.json().accessToken);
    assert.equal(claims.tz, 'Asia/Tokyo');
    assert.equal(claims.sub, p.id);
    assert.equal(claims.role, 'player');
    assert.equal(claims.status, 'active');
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 900);
  });

  test('a replayed refresh token revokes the family, including tokens minted after it', async () => {
    const p = await player(h.app, 'rot_replay');
    const second = (await refresh(p.refreshToken)).json().refreshToken as string;
    const third = (await refresh(second)).json().refreshToken as string;
    const replay = await refresh(p.refreshToken);
    assert.equal(replay.statusCode, 401);
    assert.equal(replay.json().error.code, 'INVALID_TOKEN');
    for (const token of [second, third]) assert.equal((await refresh(token)).statusCode, 401);
    assert.ok((await sessionsOf(p.id)).every((r) => r.revoked_at !== null));
  });

  test('racing refreshes with one token: one wins, and the race counts as reuse', async () => {
    const p = await player(h.app, 'rot_race');
    const results = await Promise.all(Array.from({ length: 5 }, () => refresh(p.refreshToken)));
    const winners = results.filter((r) => r.statusCode === 200);
    assert.equal(winners.length, 1, results.map((r) => r.statusCode).join(','));
    assert.ok(results.filter((r) => r.statusCode !== 200).every((r) => r.statusCode === 401));
    assert.equal((await refresh(winners[0]!.json().refreshToken)).statusCode, 401);
  });
});

describe('logout', () => {
  test('ends the whole session, rotated tokens included; other sessions live on', async () => {
    await signup(h.app, 'logout_all');
    const a = await login(h.app, 'logout_all');
    const b = await login(h.app, 'logout_all');
    const rotated = (await refresh(a.refreshToken)).json();
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(rotated.accessToken), payload: { refreshToken: a.refreshToken } });
    assert.equal(res.statusCode, 204);
    assert.equal((await refresh(rotated.refreshToken)).statusCode, 401);
    assert.equal((await refresh(b.refreshToken)).statusCode, 200);
  });

  test('logging out twice, or with an unknown token, is still 204', async () => {
    const p = await player(h.app, 'logout_twice');
    for (const token of [p.refreshToken, p.refreshToken, 'x'.repeat(43)]) {
      const res = await h.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(p.accessToken), payload: { refreshToken: token } });
      assert.equal(res.statusCode, 204);
    }
  });

  test('validates the body', async () => {
    const p = await player(h.app, 'logout_bad');
    for (const payload of [{}, { refreshToken: '' }, { refreshToken: 'x', extra: 1 }]) {
      const res = await h.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(p.accessToken), payload });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
    }
  });
});

describe('a ban', () => {
  test("revokes every refresh token of the user, in every session; an unban does not revive them", async () => {
    await signup(h.app, 'ban_sessions');
    const sessions = [await login(h.app, 'ban_sessions'), await login(h.app, 'ban_sessions'), await login(h.app, 'ban_sessions')];
    const rotated = (await refresh(sessions[0]!.refreshToken)).json().refreshToken as string;
    const userId = sessions[0]!.user.id;
    const ban = await h.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${userId}`, headers: bearer(admin.accessToken), payload: { status: 'banned' } });
    assert.equal(ban.statusCode, 200);
    assert.ok((await sessionsOf(userId)).every((r) => r.revoked_at !== null));
    await h.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${userId}`, headers: bearer(admin.accessToken), payload: { status: 'active' } });
    for (const token of [rotated, sessions[1]!.refreshToken, sessions[2]!.refreshToken]) {
      const res = await refresh(token);
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error.code, 'INVALID_TOKEN');
    }
  });

  test('banning an already banned user still leaves no live session', async () => {
    const p = await player(h.app, 'ban_twice');
    await h.db.updateTable('users').set({ status: 'banned' }).where('id', '=', p.id).execute();
    await h.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${p.id}`, headers: bearer(admin.accessToken), payload: { status: 'banned' } });
    assert.ok((await sessionsOf(p.id)).every((r) => r.revoked_at !== null));
  });
});
