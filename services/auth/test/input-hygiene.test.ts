import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, loginAdmin, player, startAuth, type Harness } from './support.js';

/** Lone UTF-16 surrogates (and NUL) cannot be stored or compared as sent: 400 naming the field. */
let h: Harness;
before(async () => {
  h = await startAuth();
});
after(async () => {
  await h?.close();
});

function assertRefused(res: { statusCode: number; body: string; json(): any }, field: string) {
  assert.equal(res.statusCode, 400, res.body);
  assert.equal(res.json().error.code, 'VALIDATION_FAILED');
  assert.equal(res.json().error.field, field);
}

test('a username with a lone surrogate → 400 VALIDATION_FAILED on signup and login', async () => {
  await player(h.app, 'hygienic');
  assertRefused(await h.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { username: 'ada\ud800', password: 'password-123' } }), 'username');
  // PostgreSQL would compare U+FFFD instead of the name sent: a different account's throttle.
  assertRefused(await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'hygienic\udc00', password: 'password-123' } }), 'username');
  assertRefused(await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'hygienic', password: 'password-123\ud800' } }), 'password');
});

test("an admin grant whose reason or idempotencyKey holds a lone surrogate → 400, nothing paid", async () => {
  const admin = await loginAdmin(h.app);
  const p = await player(h.app, 'hygienic_grantee');
  const body = { currency: 'gold', amount: 5, reason: 'fix', idempotencyKey: 'fix-1' };
  const grant = (payload: object) => h.app.inject({ method: 'POST', url: `/api/v1/admin/users/${p.id}/grants`, headers: bearer(admin.accessToken), payload });
  assertRefused(await grant({ ...body, reason: 'fix \ud800' }), 'reason');
  // Two different keys ('\ud800', '\udc00') would otherwise be stored as the same 'fix-\ufffd'.
  assertRefused(await grant({ ...body, idempotencyKey: 'fix-\ud800' }), 'idempotencyKey');
  const me = await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(p.accessToken) });
  assert.equal(me.json().user.balances.gold, 0);
});
