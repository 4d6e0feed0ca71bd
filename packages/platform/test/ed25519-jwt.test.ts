import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createTokenVerifier, TOKEN_AUDIENCE, TOKEN_ISSUER } from '../src/auth.js';
import { importKeySet, parseJwt, TokenRejected } from '../src/ed25519-jwt.js';
import { localKeySet } from '../src/jwks-source.js';

const USER = '3f1c2a9e-5b7d-4c1e-9f0a-2b3c4d5e6f70';
const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' };
const keys = localKeySet({ keys: [jwk] });
const verify = createTokenVerifier(keys, { cacheSize: 0 });

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowS = () => Math.floor(Date.now() / 1000);

function token(opts: { kid?: string; claims?: Record<string, unknown>; exp?: number; nbf?: number } = {}) {
  const jwt = new SignJWT({ role: 'player', status: 'active', tz: 'Europe/Paris', ...opts.claims })
    .setProtectedHeader({ alg: 'EdDSA', kid: opts.kid ?? 'k1', typ: 'JWT' })
    .setSubject(USER)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? nowS() + 300);
  if (opts.nbf !== undefined) jwt.setNotBefore(opts.nbf);
  return jwt.sign(privateKey);
}

/** The verdict as a word: the user's timezone when accepted, the rejection's message otherwise. */
async function verdict(t: string, v = verify): Promise<string> {
  try {
    return `ok ${(await v(t)).timezone}`;
  } catch (err) {
    assert.ok(err instanceof TokenRejected, `a bad token is TokenRejected, not ${String(err)}`);
    return err.message;
  }
}

describe('Ed25519 access tokens through node:crypto', () => {
  test('a good token (signed by jose, as auth signs) yields its user', async () => {
    assert.deepEqual(await verify(await token()), { id: USER, role: 'player', status: 'active', timezone: 'Europe/Paris' });
  });

  test('any alg but EdDSA is refused by name, whatever the signature', async () => {
    const claims = JSON.parse(Buffer.from((await token()).split('.')[1]!, 'base64url').toString());
    const none = `${b64({ alg: 'none', kid: 'k1' })}.${b64(claims)}.`;
    assert.equal(await verdict(none), 'alg must be EdDSA');
    const hsHead = `${b64({ alg: 'HS256', kid: 'k1' })}.${b64(claims)}`;
    const hs = `${hsHead}.${createHmac('sha256', JSON.stringify(jwk)).update(hsHead).digest('base64url')}`;
    assert.equal(await verdict(hs), 'alg must be EdDSA');
    // A genuine Ed25519 signature under a header that names another algorithm.
    const es = `${b64({ alg: 'ES256', kid: 'k1' })}.${b64(claims)}`;
    const { privateKey: raw } = generateKeyPairSync('ed25519');
    assert.equal(await verdict(`${es}.${sign(null, Buffer.from(es), raw).toString('base64url')}`), 'alg must be EdDSA');
  });

  test('a kid the key set does not hold, or none, is refused', async () => {
    assert.match(await verdict(await token({ kid: 'k2' })), /no applicable key/);
    const [, p, s] = (await token()).split('.');
    assert.equal(await verdict(`${b64({ alg: 'EdDSA' })}.${p}.${s}`), 'kid missing');
  });

  test('our kid with another key: the signature fails', async () => {
    const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = await new SignJWT({ role: 'admin', status: 'active', tz: 'UTC' })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
      .setSubject(USER)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setExpirationTime('5m')
      .sign(other.privateKey);
    assert.equal(await verdict(forged), 'signature verification failed');
  });

  test('expired (exp ≤ now, whole seconds) is refused; a second before, accepted', async () => {
    assert.equal(await verdict(await token({ exp: nowS() })), 'expired');
    assert.equal(await verdict(await token({ exp: nowS() - 60 })), 'expired');
    const at = nowS() + 10;
    const t = await token({ exp: at });
    const v = createTokenVerifier(keys, { now: () => at * 1000 - 1 });
    assert.equal(await verdict(t, v), 'ok Europe/Paris');
    const late = createTokenVerifier(keys, { now: () => at * 1000 });
    assert.equal(await verdict(t, late), 'expired');
  });

  test('not valid before nbf; valid from nbf on', async () => {
    assert.equal(await verdict(await token({ nbf: nowS() + 60 })), 'not valid yet (nbf)');
    assert.equal(await verdict(await token({ nbf: nowS() })), 'ok Europe/Paris');
  });

  test('a tampered signature is refused, including a second spelling of the same bytes', async () => {
    const [h, p, s] = (await token()).split('.') as [string, string, string];
    const flipped = `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    assert.equal(await verdict(`${h}.${p}.${flipped}`), 'signature verification failed');
    // The last character carries 2 bits; setting an unused bit leaves the bytes but not the token.
    const last = 'AQgw'.indexOf(s[85]!);
    const respelled = `${s.slice(0, 85)}${'BRhx'[last]}`;
    assert.equal(Buffer.from(respelled, 'base64url').equals(Buffer.from(s, 'base64url')), true);
    assert.equal(await verdict(`${h}.${p}.${respelled}`), 'signature malformed');
    assert.equal(await verdict(`${h}.${p}.${s}=`), 'signature malformed');
  });

  test('a tampered payload (a player made admin) or header is refused', async () => {
    const [h, p, s] = (await token()).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    assert.equal(await verdict(`${h}.${b64({ ...claims, role: 'admin' })}.${s}`), 'signature verification failed');
    assert.equal(await verdict(`${b64({ alg: 'EdDSA', kid: 'k1' })}.${p}.${s}`), 'signature verification failed');
  });

  test('wrong issuer or audience, and incomplete claims, are refused', async () => {
    const signed = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: 'k1' }).sign(privateKey);
    const base = { sub: USER, role: 'player', status: 'active', tz: 'UTC', exp: nowS() + 60 };
    assert.equal(await verdict(await signed({ ...base, iss: 'someone-else', aud: TOKEN_AUDIENCE })), 'unexpected iss');
    assert.equal(await verdict(await signed({ ...base, iss: TOKEN_ISSUER, aud: 'another-app' })), 'unexpected aud');
    assert.equal(await verdict(await signed({ ...base, iss: TOKEN_ISSUER, aud: ['x', TOKEN_AUDIENCE] })), 'ok UTC', 'aud as an array holding ours');
    assert.equal(await verdict(await signed({ ...base, iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, exp: undefined })), 'exp missing');
    assert.equal(await verdict(await signed({ ...base, iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, exp: String(nowS() + 60) })), 'exp must be a number');
    assert.equal(await verdict(await signed({ ...base, iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, tz: undefined })), 'token claims incomplete');
    assert.equal(await verdict(await signed({ ...base, iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, status: 'deleted' })), 'token status invalid');
  });

  test('not a JWT, or a header with crit, is refused before any key is looked up', async () => {
    for (const junk of ['', 'abc', 'a.b', 'a.b.c.d', '..', '%%%.e30.AA']) assert.throws(() => parseJwt(junk), TokenRejected, junk);
    const [, p, s] = (await token()).split('.');
    assert.equal(await verdict(`${b64({ alg: 'EdDSA', kid: 'k1', crit: ['exp'], exp: 1 })}.${p}.${s}`), 'unsupported header parameters');
  });
});

describe('key sets', () => {
  test('only Ed25519 signing keys are imported, a broken one skipped; a repeated kid names no key', async () => {
    const set = importKeySet({
      keys: [
        jwk,
        { ...jwk, kid: 'enc', use: 'enc' },
        { kty: 'RSA', kid: 'rsa', n: 'AQAB', e: 'AQAB' },
        { ...jwk, kid: 'twice' },
        { ...jwk, kid: 'twice' },
        { ...jwk, kid: 'broken', x: 'AAAA' },
      ],
    });
    assert.deepEqual([...set.keys()], ['k1']);
    assert.throws(() => importKeySet({ nokeys: [] }), /not a JWKS/);
  });

  test('an unchanged key keeps its KeyObject across imports; a changed one does not', async () => {
    const first = importKeySet({ keys: [jwk] });
    assert.equal(importKeySet({ keys: [jwk] }, first).get('k1'), first.get('k1'));
    const other = { ...(await exportJWK((await generateKeyPair('EdDSA', { crv: 'Ed25519' })).publicKey)), kid: 'k1' };
    assert.notEqual(importKeySet({ keys: [other] }, first).get('k1'), first.get('k1'));
  });
});
