import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, generateKeyPair, importJWK, type JWTPayload } from 'jose';
import { createHmac } from 'node:crypto';
import { bearer, loginAdmin, player, startAuth, type Harness, type Tokens } from './support.js';

/** Every authenticated route of auth, with a body that would be valid. */
const ROUTES: Array<{ method: 'GET' | 'PATCH' | 'POST'; url: (id: string) => string; body?: (refresh: string) => unknown; admin?: true }> = [
  { method: 'GET', url: () => '/api/v1/me' },
  { method: 'PATCH', url: () => '/api/v1/me', body: () => ({ timezone: 'Europe/Paris' }) },
  { method: 'GET', url: () => '/api/v1/me/ledger' },
  { method: 'POST', url: () => '/api/v1/auth/logout', body: (refresh) => ({ refreshToken: refresh }) },
  { method: 'GET', url: () => '/api/v1/admin/users', admin: true },
  { method: 'PATCH', url: (id) => `/api/v1/admin/users/${id}`, body: () => ({ role: 'player' }), admin: true },
  {
    method: 'POST',
    url: (id) => `/api/v1/admin/users/${id}/grants`,
    body: () => ({ currency: 'gold', amount: 1, reason: 'x', idempotencyKey: 'sec-1' }),
    admin: true,
  },
];

let h: Harness;
let victim: Tokens & { id: string };
let admin: Tokens;
let signWithOurKey: (claims: JWTPayload, opts?: { kid?: string; iss?: string; aud?: string; exp?: number | string; sub?: string }) => Promise<string>;

before(async () => {
  h = await startAuth();
  victim = await player(h.app, 'sec_victim');
  admin = await loginAdmin(h.app);
  const jwk = JSON.parse(h.config.JWT_PRIVATE_JWK);
  const key = await importJWK(jwk, 'EdDSA');
  signWithOurKey = (claims, opts = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid: opts.kid ?? jwk.kid })
      .setSubject(opts.sub ?? admin.user.id)
      .setIssuer(opts.iss ?? 'questline-auth')
      .setAudience(opts.aud ?? 'questline')
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? '15m')
      .sign(key);
});
after(async () => {
  await h?.close();
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const adminClaims = { role: 'admin', status: 'active', tz: 'UTC' };

async function call(route: (typeof ROUTES)[number], token: string) {
  const body = route.body?.(victim.refreshToken);
  return h.app.inject({
    method: route.method,
    url: route.url(victim.id),
    headers: bearer(token),
    ...(body === undefined ? {} : { payload: body as object }),
  });
}

describe('forged and broken access tokens are 401 UNAUTHENTICATED on every authenticated route', () => {
  const cases: Array<[string, () => Promise<string>]> = [
    ['tampered signature', async () => {
      const [hd, pl, sig] = admin.accessToken.split('.') as [string, string, string];
      const flipped = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11);
      return `${hd}.${pl}.${flipped}`;
    }],
    ['tampered claims (player promoted to admin)', async () => {
      const [hd, pl, sig] = victim.accessToken.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(pl, 'base64url').toString());
      return `${hd}.${b64({ ...claims, role: 'admin' })}.${sig}`;
    }],
    ['alg none', async () => {
      const claims = JSON.parse(Buffer.from(admin.accessToken.split('.')[1]!, 'base64url').toString());
      return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    }],
    ['HS256 keyed with the public key (algorithm confusion)', async () => {
      const jwks = (await h.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
      const claims = JSON.parse(Buffer.from(admin.accessToken.split('.')[1]!, 'base64url').toString());
      const head = `${b64({ alg: 'HS256', kid: jwks.keys[0].kid })}.${b64(claims)}`;
      return `${head}.${createHmac('sha256', JSON.stringify(jwks.keys[0])).update(head).digest('base64url')}`;
    }],
    ['expired', () => signWithOurKey(adminClaims, { exp: Math.floor(Date.now() / 1000) - 60 })],
    ['unknown kid', async () => {
      const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      return new SignJWT(adminClaims).setProtectedHeader({ alg: 'EdDSA', kid: 'rogue-kid' }).setSubject(admin.user.id)
        .setIssuer('questline-auth').setAudience('questline').setExpirationTime('15m').sign(privateKey);
    }],
    ['our kid, another key', async () => {
      const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      return new SignJWT(adminClaims).setProtectedHeader({ alg: 'EdDSA', kid: JSON.parse(h.config.JWT_PRIVATE_JWK).kid })
        .setSubject(admin.user.id).setIssuer('questline-auth').setAudience('questline').setExpirationTime('15m').sign(privateKey);
    }],
    ['wrong audience', () => signWithOurKey(adminClaims, { aud: 'another-app' })],
    ['wrong issuer', () => signWithOurKey(adminClaims, { iss: 'someone-else' })],
    ['subject that is not a uuid', () => signWithOurKey(adminClaims, { sub: 'admin' })],
    ['subject of no user', () => signWithOurKey(adminClaims, { sub: '00000000-0000-4000-8000-000000000000' })],
    ['missing claims', () => signWithOurKey({ role: 'admin' })],
    ['not a JWT at all', async () => 'definitely-not-a-token'],
  ];
  for (const [name, make] of cases) {
    test(name, async () => {
      const token = await make();
      for (const route of ROUTES) {
        const res = await call(route, token);
        assert.equal(res.statusCode, 401, `${name}: ${route.method} ${route.url(victim.id)} → ${res.body}`);
        assert.equal(res.json().error.code, 'UNAUTHENTICATED');
      }
    });
  }

  test('no token at all', async () => {
    for (const route of ROUTES) {
      const res = await h.app.inject({ method: route.method, url: route.url(victim.id) });
      assert.equal(res.statusCode, 401);
    }
  });

  test('control: the genuine admin token is accepted on every route', async () => {
    const target = await player(h.app, 'sec_control');
    for (const route of ROUTES) {
      const body = route.method === 'POST' && route.url('x').endsWith('logout') ? { refreshToken: 'not-mine' } : route.body?.('');
      const res = await h.app.inject({ method: route.method, url: route.url(target.id), headers: bearer(admin.accessToken), ...(body ? { payload: body as object } : {}) });
      assert.ok(res.statusCode < 300, `${route.method} ${route.url(target.id)} → ${res.statusCode} ${res.body}`);
    }
  });
});

describe('valid tokens of the wrong user', () => {
  test('a player on admin routes → 403 FORBIDDEN, and nothing changes', async () => {
    for (const route of ROUTES.filter((r) => r.admin)) {
      const res = await call(route, victim.accessToken);
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'FORBIDDEN');
    }
    const row = await h.db.selectFrom('balances').select('amount').where('user_id', '=', victim.id).executeTakeFirst();
    assert.equal(row, undefined);
  });

  test("a banned user's still-valid token → 403 USER_BANNED on every route", async () => {
    const banned = await player(h.app, 'sec_banned');
    const res = await h.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${banned.id}`, headers: bearer(admin.accessToken), payload: { status: 'banned' } });
    assert.equal(res.statusCode, 200);
    for (const route of ROUTES.filter((r) => !r.admin)) {
      const out = await h.app.inject({
        method: route.method,
        url: route.url(banned.id),
        headers: bearer(banned.accessToken),
        ...(route.body ? { payload: route.body(banned.refreshToken) as object } : {}),
      });
      assert.equal(out.statusCode, 403, `${route.method} ${route.url(banned.id)}`);
      assert.equal(out.json().error.code, 'USER_BANNED');
    }
  });

  test("one user's token never reaches another user's data", async () => {
    const other = await player(h.app, 'sec_other');
    const grant = await h.app.inject({
      method: 'POST',
      url: `/api/v1/admin/users/${other.id}/grants`,
      headers: bearer(admin.accessToken),
      payload: { currency: 'gold', amount: 5, reason: 'only for other', idempotencyKey: 'other-only' },
    });
    assert.equal(grant.statusCode, 201);
    const mine = await h.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(victim.accessToken) });
    assert.equal(mine.json().user.id, victim.id);
    assert.equal(mine.json().user.balances.gold, 0);
    const ledger = await h.app.inject({ method: 'GET', url: '/api/v1/me/ledger', headers: bearer(victim.accessToken) });
    assert.deepEqual(ledger.json().items, []);
    // The other user's session cannot be ended with this user's token.
    await h.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(victim.accessToken), payload: { refreshToken: other.refreshToken } });
    const refresh = await h.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: other.refreshToken } });
    assert.equal(refresh.statusCode, 200);
  });
});
