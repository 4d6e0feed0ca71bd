import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApp, type App } from '../src/app.js';
import { requireAuth, callerOf, type AssertedCaller, type TokenVerifier } from '../src/auth.js';
import { ASSERTION_TTL_MS, IDENTITY_HEADER, signIdentity, verifyIdentity, type AssertionTarget } from '../src/identity-assertion.js';
import { INTERNAL_HEADER_NAMES } from '../src/internal.js';

const SECRET = 'identity-test-token';
const USER = '3f1c2a9e-5b7d-4c1e-9f0a-2b3c4d5e6f70';
const KEY_ID = '0b9e6c1a-7d2f-4e3a-8b5c-6d7e8f9a0b1c';
const playerUser = { id: USER, role: 'player', status: 'active', timezone: 'Asia/Tokyo' } as const;
const player: AssertedCaller = { kind: 'user', user: playerUser };
const target: AssertionTarget = { method: 'GET', path: '/api/v1/me/quests', requestId: 'req-1' };

describe('verifyIdentity', () => {
  test('a valid assertion yields the caller it names: a user, or an API key', () => {
    assert.deepEqual(verifyIdentity(SECRET, target, signIdentity(SECRET, target, player)), { ok: true, caller: player });
    const key: AssertedCaller = { kind: 'key', key: { id: KEY_ID, name: 'shop', prefix: 'abcd1234', scopes: ['events:write'] } };
    assert.deepEqual(verifyIdentity(SECRET, target, signIdentity(SECRET, target, key)), { ok: true, caller: key });
  });

  test('expired once its TTL is over; an expiry far in the future is refused too', () => {
    const t0 = Date.now();
    const header = signIdentity(SECRET, target, player, t0);
    assert.equal(verifyIdentity(SECRET, target, header, t0 + ASSERTION_TTL_MS).ok, true, 'valid up to its expiry');
    assert.deepEqual(verifyIdentity(SECRET, target, header, t0 + ASSERTION_TTL_MS + 1), { ok: false, reason: 'expired' });
    const fromTheFuture = signIdentity(SECRET, target, player, t0 + 10 * 60_000);
    assert.deepEqual(verifyIdentity(SECRET, target, fromTheFuture, t0), { ok: false, reason: 'expired' });
  });

  test('another method, path or request id: the signature does not hold', () => {
    const header = signIdentity(SECRET, target, player);
    for (const other of [
      { ...target, method: 'POST' },
      { ...target, path: '/api/v1/me/quests/daily/claim' },
      { ...target, path: '/api/v1/me' },
      { ...target, requestId: 'req-2' },
    ]) {
      assert.deepEqual(verifyIdentity(SECRET, other, header), { ok: false, reason: 'bad-signature' }, JSON.stringify(other));
    }
  });

  test('tampered claims, a tampered signature or another secret are refused', () => {
    const header = signIdentity(SECRET, target, player);
    const [v, claims, mac] = header.split('.') as [string, string, string];
    const admin = JSON.parse(Buffer.from(claims, 'base64url').toString());
    admin.u.role = 'admin';
    const promoted = `${v}.${Buffer.from(JSON.stringify(admin)).toString('base64url')}.${mac}`;
    assert.deepEqual(verifyIdentity(SECRET, target, promoted), { ok: false, reason: 'bad-signature' });
    const flipped = `${v}.${claims}.${mac.slice(0, 5)}${mac[5] === 'A' ? 'B' : 'A'}${mac.slice(6)}`;
    assert.deepEqual(verifyIdentity(SECRET, target, flipped), { ok: false, reason: 'bad-signature' });
    assert.deepEqual(verifyIdentity('another-secret', target, header), { ok: false, reason: 'bad-signature' });
    for (const junk of ['', 'v1', 'v1..', 'v2.e30.AAAA', `${header}.x`]) assert.deepEqual(verifyIdentity(SECRET, target, junk), { ok: false, reason: 'malformed' }, junk);
  });

  test('a signed assertion naming an impossible caller is still refused', () => {
    const odd = { kind: 'user', user: { id: 'not-a-uuid', role: 'player', status: 'active', timezone: 'UTC' } } as AssertedCaller;
    assert.deepEqual(verifyIdentity(SECRET, target, signIdentity(SECRET, target, odd)), { ok: false, reason: 'malformed' });
  });

  test('the gateway strips the header from client requests (it is one of the internal headers)', () => {
    assert.ok(INTERNAL_HEADER_NAMES.includes(IDENTITY_HEADER));
  });
});

describe('a service behind the gateway (createApp with an internal token)', () => {
  let app: App;
  let tokenChecks = 0;
  // The token verifier of the service: it must not be asked when an assertion vouches for the caller.
  const verify: TokenVerifier = async (token) => {
    tokenChecks++;
    if (token === 'good-player') return playerUser;
    if (token === 'banned-player') return { id: USER, role: 'player', status: 'banned', timezone: 'UTC' };
    throw new Error('bad token');
  };

  before(async () => {
    ({ app } = await createApp({ service: 'test', logLevel: 'silent', trustProxy: 'false', internalToken: SECRET }));
    app.get('/api/v1/me/quests', { onRequest: requireAuth(verify) }, async (request) => ({ userId: callerOf(request).id }));
    app.get('/api/v1/admin/things', { onRequest: requireAuth(verify, { role: 'admin' }) }, async () => ({ ok: true }));
    app.post('/api/v1/events', { onRequest: requireAuth(verify, { scope: 'events:write', keys: async () => null }) }, async (request) => ({ key: request.apiKey?.id ?? null, user: request.user?.id ?? null }));
    app.get('/api/v1/public', async () => ({ ok: true }));
    await app.ready();
  });
  after(async () => {
    await app?.close();
  });

  const asserted = (caller: AssertedCaller, t: AssertionTarget, now?: number) => ({
    'x-request-id': t.requestId,
    [IDENTITY_HEADER]: signIdentity(SECRET, t, caller, now),
  });
  const verdict = (res: { statusCode: number; json(): { error?: { code: string; requestId?: string } } }) => `${res.statusCode} ${res.json().error?.code ?? ''}`.trim();

  test('a valid assertion is trusted without verifying the token again', async () => {
    tokenChecks = 0;
    const res = await app.inject({ method: 'GET', url: '/api/v1/me/quests?x=1', headers: { ...asserted(player, target), authorization: 'Bearer whatever' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { userId: USER });
    assert.equal(tokenChecks, 0);
  });

  test('without an assertion (a direct call) the bearer token is verified as before', async () => {
    tokenChecks = 0;
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/me/quests', headers: { authorization: 'Bearer good-player' } })).statusCode, 200);
    assert.equal(tokenChecks, 1);
    assert.equal(verdict(await app.inject({ method: 'GET', url: '/api/v1/me/quests' })), '401 UNAUTHENTICATED');
  });

  test('a forged, expired or misdirected assertion is 401 in the error shape, even with a good token beside it', async () => {
    const good = { authorization: 'Bearer good-player' };
    const forged = { 'x-request-id': 'req-1', [IDENTITY_HEADER]: signIdentity('a-guess', target, player) };
    const expired = asserted(player, target, Date.now() - ASSERTION_TTL_MS - 1000);
    const otherPath = asserted(player, { ...target, path: '/api/v1/me' });
    const otherMethod = asserted(player, { ...target, method: 'POST' });
    const otherRequest = { ...asserted(player, target), 'x-request-id': 'req-2' };
    for (const [name, headers] of Object.entries({ forged, expired, otherPath, otherMethod, otherRequest })) {
      const res = await app.inject({ method: 'GET', url: '/api/v1/me/quests', headers: { ...good, ...headers } });
      assert.equal(verdict(res), '401 UNAUTHENTICATED', name);
      assert.equal(res.json().error?.requestId, res.headers['x-request-id'], `${name}: the error shape`);
    }
    // On a public route too: a bad assertion is never ignored.
    assert.equal(verdict(await app.inject({ method: 'GET', url: '/api/v1/public', headers: forged })), '401 UNAUTHENTICATED');
  });

  test('the asserted caller goes through the same checks: ban, role, key scope', async () => {
    const banned: AssertedCaller = { kind: 'user', user: { id: USER, role: 'admin', status: 'banned', timezone: 'UTC' } };
    assert.equal(verdict(await app.inject({ method: 'GET', url: '/api/v1/me/quests', headers: asserted(banned, target) })), '403 USER_BANNED');
    const admin = { ...target, path: '/api/v1/admin/things' };
    assert.equal(verdict(await app.inject({ method: 'GET', url: admin.path, headers: asserted(player, admin) })), '403 FORBIDDEN');

    const events = { method: 'POST', path: '/api/v1/events', requestId: 'req-9' };
    const key = (scopes: Array<'events:write' | 'users:read'>): AssertedCaller => ({ kind: 'key', key: { id: KEY_ID, name: 'shop', prefix: 'abcd1234', scopes } });
    const withScope = await app.inject({ method: 'POST', url: events.path, headers: asserted(key(['events:write']), events) });
    assert.equal(withScope.statusCode, 200, withScope.body);
    assert.deepEqual(withScope.json(), { key: KEY_ID, user: null });
    assert.equal(verdict(await app.inject({ method: 'POST', url: events.path, headers: asserted(key(['users:read']), events) })), '403 FORBIDDEN');
    assert.equal(verdict(await app.inject({ method: 'GET', url: target.path, headers: asserted(key(['events:write']), target) })), '401 UNAUTHENTICATED', 'a key where keys are not accepted');
  });
});
