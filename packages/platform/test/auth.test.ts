import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair } from 'jose';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createTokenVerifier, requireAuth, TOKEN_AUDIENCE, TOKEN_ISSUER, type UserConfirmer } from '../src/auth.js';
import { AppError } from '../src/errors.js';
import { UpstreamError } from '../src/http-client.js';

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

describe('remembered verifications', () => {
  const jwks = async () => createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' }] });

  test('a remembered token is answered without its key until its exp, then refused', async () => {
    let clock = Date.now();
    let keyLookups = 0;
    const local = await jwks();
    const counting = (...args: Parameters<typeof local>) => {
      keyLookups++;
      return local(...args);
    };
    const v = createTokenVerifier(counting, { now: () => clock });
    const t = await token({ exp: '10m' });
    await v(t);
    await v(t);
    assert.equal(keyLookups, 1, 'the second check is remembered');
    clock += 9 * 60_000;
    assert.equal((await v(t)).id, USER);
    assert.equal(keyLookups, 1, 'still remembered nine minutes later: the memory lasts until exp');
    clock += 61_000;
    await assert.rejects(v(t), /expired/, 'past its exp the token is refused, not remembered');
  });

  test('a token changed by one character is verified afresh and refused', async () => {
    const v = createTokenVerifier(await jwks());
    const t = await token();
    await v(t);
    const [h, p, s] = t.split('.');
    const flipped = `${h}.${p}.${s!.slice(0, 10)}${s![10] === 'A' ? 'B' : 'A'}${s!.slice(11)}`;
    await assert.rejects(v(flipped));
    const otherPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), role: 'admin' })).toString('base64url');
    await assert.rejects(v(`${h}.${otherPayload}.${s}`));
  });

  test('the memory is bounded: the oldest token is dropped first', async () => {
    let keyLookups = 0;
    const local = await jwks();
    const v = createTokenVerifier((...args: Parameters<typeof local>) => (keyLookups++, local(...args)), { cacheSize: 2 });
    const [a, b, c] = [await token({ exp: '5m' }), await token({ exp: '6m' }), await token({ exp: '7m' })];
    for (const t of [a, b, c]) await v(t);
    keyLookups = 0;
    await v(c);
    await v(b);
    assert.equal(keyLookups, 0, 'the two newest are remembered');
    await v(a);
    assert.equal(keyLookups, 1, 'the oldest was dropped');
  });
});

describe('requireAuth with a live confirmation', () => {
  const call = async (confirm: UserConfirmer, claims: Record<string, unknown> = { role: 'admin' }) => {
    const request = { headers: { authorization: `Bearer ${await token({ claims })}` }, id: 'req-1' } as unknown as FastifyRequest;
    try {
      await requireAuth(verify, { role: 'admin', confirm })(request, {} as FastifyReply);
      return request.user;
    } catch (err) {
      assert.ok(err instanceof AppError, String(err));
      return `${err.statusCode} ${err.code}`;
    }
  };

  test('the live role and status decide, not the token', async () => {
    assert.deepEqual(await call(async () => ({ role: 'admin', status: 'active' })), { id: USER, role: 'admin', status: 'active', timezone: 'Asia/Tokyo' });
    assert.equal(await call(async () => ({ role: 'player', status: 'active' })), '403 FORBIDDEN', 'demoted');
    assert.equal(await call(async () => ({ role: 'admin', status: 'banned' })), '403 USER_BANNED', 'banned');
    assert.equal(await call(async () => null), '401 UNAUTHENTICATED', 'the account is gone');
    assert.equal(await call(async () => Promise.reject(new UpstreamError('auth', 'connect ECONNREFUSED'))), '503 UPSTREAM_UNAVAILABLE');
  });

  test('a token that already fails the role check is refused without asking', async () => {
    let asked = 0;
    assert.equal(await call(
        async () => {
          asked++;
          return { role: 'admin', status: 'active' };
        },
        { role: 'player' },
      ), '403 FORBIDDEN');
    assert.equal(asked, 0);
  });
});
