import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeProtectedHeader } from 'jose';
import { createTokenVerifier, type App } from '@questline/platform';
import { generateSigningJwk } from '@questline/testkit';
import { buildApp } from '../src/app.js';
import { publicJwkOf } from '../src/domain/tokens.js';
import { bearer, login, signup, startAuth, type Harness } from './support.js';

/**
 * The documented rotation (README.md): publish the new key, switch signing to it while the old
 * one is still listed, wait one access-token TTL, retire the old one. Each phase is a restart of
 * auth with other config; here, another app on the same database.
 */
let h: Harness;
let oldKey: string;
let newKey: string;
const apps: App[] = [];

before(async () => {
  oldKey = await generateSigningJwk();
  newKey = await generateSigningJwk();
  h = await startAuth({ JWT_PRIVATE_JWK: oldKey });
  await signup(h.app, 'rotator', 'rotation-password');
});
after(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await h?.close();
});

async function phase(privateJwk: string, previous?: string[]): Promise<App> {
  const app = await buildApp({
    ...h.config,
    JWT_PRIVATE_JWK: privateJwk,
    JWT_PREVIOUS_PUBLIC_JWKS: previous ? JSON.stringify(previous.map(publicJwkOf)) : undefined,
  });
  apps.push(app);
  return app;
}

const kids = async (app: App) => (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json().keys.map((k: { kid: string }) => k.kid);
const me = (app: App, token: string) => app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) });
const kid = (jwk: string) => JSON.parse(jwk).kid as string;

describe('key rotation', () => {
  test('step 1, publish: the next key is listed but nothing is signed with it yet', async () => {
    const app = await phase(oldKey, [newKey]);
    assert.deepEqual(await kids(app), [kid(oldKey), kid(newKey)]);
    const tokens = await login(app, 'rotator', 'rotation-password');
    assert.equal(decodeProtectedHeader(tokens.accessToken).kid, kid(oldKey));
  });

  test('step 2, switch: new tokens use the new key; tokens of the old key still verify while it is listed', async () => {
    const before = await login(h.app, 'rotator', 'rotation-password');
    const app = await phase(newKey, [oldKey]);
    const jwks = (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    assert.deepEqual(jwks.keys.map((k: { kid: string }) => k.kid), [kid(newKey), kid(oldKey)]);
    assert.ok(jwks.keys.every((k: Record<string, unknown>) => k.d === undefined && k.alg === 'EdDSA' && k.use === 'sig'));

    const after = await login(app, 'rotator', 'rotation-password');
    assert.equal(decodeProtectedHeader(after.accessToken).kid, kid(newKey));
    assert.equal((await me(app, before.accessToken)).statusCode, 200, 'old-key token accepted by auth');
    assert.equal((await me(app, after.accessToken)).statusCode, 200);
    // Other services verify against the published JWKS: both tokens pass there too.
    const verify = createTokenVerifier(createLocalJWKSet(jwks));
    assert.equal((await verify(before.accessToken)).id, before.user.id);
    assert.equal((await verify(after.accessToken)).id, after.user.id);
  });

  test('step 3, retire: once removed, the old key is no longer published and its tokens fail', async () => {
    const oldToken = (await login(h.app, 'rotator', 'rotation-password')).accessToken;
    const app = await phase(newKey);
    assert.deepEqual(await kids(app), [kid(newKey)]);
    const res = await me(app, oldToken);
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'UNAUTHENTICATED');
    const fresh = await login(app, 'rotator', 'rotation-password');
    assert.equal((await me(app, fresh.accessToken)).statusCode, 200);
  });

  test('a bad JWT_PREVIOUS_PUBLIC_JWKS stops start-up with a clear message', async () => {
    await assert.rejects(buildApp({ ...h.config, JWT_PREVIOUS_PUBLIC_JWKS: JSON.stringify([JSON.parse(oldKey)]) }), /private key/);
    await assert.rejects(buildApp({ ...h.config, JWT_PREVIOUS_PUBLIC_JWKS: '{"kid":"x"}' }), /JSON array/);
    await assert.rejects(buildApp({ ...h.config, JWT_PREVIOUS_PUBLIC_JWKS: JSON.stringify([publicJwkOf(oldKey)]) }), /repeats kid/);
  });
});
