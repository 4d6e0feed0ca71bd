import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair } from 'jose';
import { createTokenVerifier, TOKEN_AUDIENCE, TOKEN_ISSUER } from '../src/auth.js';

const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
const verify = createTokenVerifier(createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' }] }));
const USER = '3f1c2a9e-5b7d-4c1e-9f0a-2b3c4d5e6f70';

function token(overrides: { sub?: string; aud?: string; claims?: Record<string, unknown>; exp?: string } = {}) {
  return new SignJWT({ role: 'player', status: 'active', tz: 'Asia/Tokyo', ...overrides.claims })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
    .setSubject(overrides.sub ?? USER)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(overrides.aud ?? TOKEN_AUDIENCE)
    .setExpirationTime(overrides.exp ?? '5m')
    .sign(privateKey);
}

test('a valid token yields the caller', async () => {
  assert.deepEqual(await verify(await token()), { id: USER, role: 'player', status: 'active', timezone: 'Asia/Tokyo' });
});

test('wrong audience, expired, non-uuid subject or unknown role are refused', async () => {
  await assert.rejects(verify(await token({ aud: 'someone-else' })));
  await assert.rejects(verify(await token({ exp: '-1m' })));
  await assert.rejects(verify(await token({ sub: "1' OR '1'='1" })));
  await assert.rejects(verify(await token({ claims: { role: 'superuser' } })));
});
