import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { generateSigningJwk } from '@questline/testkit';
import { createPasswords, needsRehash, parsePhc } from '../src/domain/passwords.js';
import { isCommonPassword, parsePasswordList } from '../src/domain/password-policy.js';
import { COMMON_PASSWORDS_FILE, loadCommonPasswords } from '../src/data/common-passwords.loader.js';
import { profileChanges, toProfileUpdate } from '../src/domain/profiles.js';
import { parsePreviousPublicJwks, publicJwkOf } from '../src/domain/tokens.js';

describe('argon2 parameters', () => {
  const hash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';
  test('are read from the PHC string', () => {
    assert.deepEqual(parsePhc(hash), { algorithm: 'argon2id', memoryKib: 19456, timeCost: 2, parallelism: 1 });
    assert.equal(parsePhc('not-a-hash'), undefined);
  });
  test('a re-hash is due only when a stored parameter is below the config, or not argon2id', () => {
    assert.equal(needsRehash(hash, { memoryKib: 19456, timeCost: 2 }), false);
    assert.equal(needsRehash(hash, { memoryKib: 19456, timeCost: 3 }), true);
    assert.equal(needsRehash(hash, { memoryKib: 65536, timeCost: 2 }), true);
    assert.equal(needsRehash(hash, { memoryKib: 19456, timeCost: 1 }), false, 'never downgrades');
    assert.equal(needsRehash(hash.replace('argon2id', 'argon2i'), { memoryKib: 19456, timeCost: 2 }), true);
    assert.equal(needsRehash('$2b$10$bcrypt-hash', { memoryKib: 19456, timeCost: 2 }), true);
  });
  test('an unknown user (no hash) never passes, whatever the password; a malformed hash is just wrong', async () => {
    const passwords = await createPasswords();
    assert.deepEqual(await passwords.check(undefined, 'anything-at-all'), { ok: false, needsRehash: false });
    assert.deepEqual(await passwords.check('garbage', 'anything-at-all'), { ok: false, needsRehash: false });
    const stored = await passwords.hash('right-password');
    assert.deepEqual(await passwords.check(stored, 'right-password'), { ok: true, needsRehash: false });
  });
});

describe('common password list', () => {
  test('ships 1,000 distinct entries, all long enough to pass the length rule', async () => {
    const text = await readFile(COMMON_PASSWORDS_FILE, 'utf8');
    const entries = text.split('\n').filter((l) => l !== '' && !l.startsWith('# '));
    assert.equal(entries.length, 1000);
    const list = await loadCommonPasswords();
    assert.equal(list.size, 1000);
    assert.ok([...list].every((p) => p.length >= 8 && p.length <= 128));
  });
  test('matches case-insensitively and ignores comments and blank lines', () => {
    const list = parsePasswordList('# a comment\n\nSunShine1\r\nqwertyuiop\n');
    assert.deepEqual([...list], ['sunshine1', 'qwertyuiop']);
    assert.equal(isCommonPassword(list, 'SUNSHINE1'), true);
    assert.equal(isCommonPassword(list, 'sunshine12'), false);
  });
});

describe('profile changes', () => {
  const user = { id: '0b8f6f2e-6a55-4c1d-9a77-3f1f0d5c2b10', role: 'player' as const, status: 'active' as const, timezone: 'UTC', profile_version: 4 };
  test('only fields that differ count', () => {
    assert.deepEqual(profileChanges(user, { status: 'active', timezone: 'UTC' }), {});
    assert.deepEqual(profileChanges(user, { status: 'banned', role: 'player' }), { status: 'banned' });
    assert.deepEqual(profileChanges(user, { timezone: 'Asia/Tokyo', role: 'admin' }), { timezone: 'Asia/Tokyo', role: 'admin' });
  });
  test('the update carries the version', () => {
    assert.deepEqual(toProfileUpdate(user), { id: user.id, role: 'player', status: 'active', timezone: 'UTC', version: 4 });
  });
});

describe('previous public keys (JWT_PREVIOUS_PUBLIC_JWKS)', () => {
  test('are parsed to public JWKs; anything else is refused with the offending entry', async () => {
    const a = publicJwkOf(await generateSigningJwk());
    const b = publicJwkOf(await generateSigningJwk());
    assert.deepEqual(parsePreviousPublicJwks(undefined, 'current'), []);
    assert.deepEqual(parsePreviousPublicJwks(JSON.stringify([a, b]), 'current'), [a, b]);
    const privateKey = JSON.parse(await generateSigningJwk());
    const cases: Array<[string, RegExp]> = [
      ['not json', /not valid JSON/],
      [JSON.stringify(a), /JSON array/],
      [JSON.stringify([privateKey]), /\[0\] contains a private key/],
      [JSON.stringify([a, { ...b, kid: a.kid }]), /\[1\] repeats kid/],
      [JSON.stringify([{ ...a, kid: 'current' }]), /repeats kid current/],
      [JSON.stringify([{ ...a, kid: undefined }]), /needs a kid/],
      [JSON.stringify([{ ...a, crv: 'P-256' }]), /Ed25519 public key/],
      [JSON.stringify([{ ...a, x: 'short' }]), /Ed25519 public key/],
      [JSON.stringify([null]), /JWK object/],
    ];
    for (const [json, message] of cases) assert.throws(() => parsePreviousPublicJwks(json, 'current'), message, json);
  });
});
