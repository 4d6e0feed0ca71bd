import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { ConfigError, parseConfig } from '@questline/platform';
import { buildApp } from '../src/app.js';
import { ConfigSchema } from '../src/config.js';
import { findUserByUsername } from '../src/db/users.repository.js';
import { isCommonPassword } from '../src/domain/password-policy.js';
import { login, signup, startAuth, type Harness } from './support.js';

let h: Harness;
before(async () => {
  h = await startAuth();
});
after(async () => {
  await h?.close();
});

const storedHash = async (username: string) => (await findUserByUsername(h.db, username))!.password_hash ?? '';

describe('password storage', () => {
  test('argon2id with the configured parameters, carried in the PHC string', async () => {
    await signup(h.app, 'pw_default', 'a-strong-passphrase');
    assert.match(await storedHash('pw_default'), /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
  });

  test('parameters below OWASP’s minimum are refused at start-up', () => {
    const base = { DATABASE_URL: 'postgres://x/y', INTERNAL_TOKEN: 'x'.repeat(16), JWT_PRIVATE_JWK: '{}', PROGRESS_URL: 'http://p', CATALOG_URL: 'http://c' };
    assert.throws(() => parseConfig(ConfigSchema, { ...base, ARGON2_MEMORY_KIB: '4096' }), (e: unknown) => e instanceof ConfigError && e.key === 'ARGON2_MEMORY_KIB');
    assert.throws(() => parseConfig(ConfigSchema, { ...base, ARGON2_TIME_COST: '1' }), (e: unknown) => e instanceof ConfigError && e.key === 'ARGON2_TIME_COST');
    const defaults = parseConfig(ConfigSchema, base);
    assert.equal(defaults.ARGON2_MEMORY_KIB, 19456);
    assert.equal(defaults.ARGON2_TIME_COST, 2);
  });
});

describe('re-hashing on login when the configured cost is raised', () => {
  test('a successful login upgrades the stored hash; the old replica still verifies it', async () => {
    await signup(h.app, 'pw_upgrade', 'upgrade-me-please');
    const stronger = await buildApp({ ...h.config, ARGON2_TIME_COST: 3, ARGON2_MEMORY_KIB: 24576 });
    try {
      // A wrong password changes nothing.
      const wrong = await stronger.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'pw_upgrade', password: 'not-the-one!' } });
      assert.equal(wrong.statusCode, 401);
      assert.match(await storedHash('pw_upgrade'), /m=19456,t=2,p=1/);

      await login(stronger, 'pw_upgrade', 'upgrade-me-please');
      const upgraded = await storedHash('pw_upgrade');
      assert.match(upgraded, /^\$argon2id\$v=19\$m=24576,t=3,p=1\$/);
      await login(stronger, 'pw_upgrade', 'upgrade-me-please');
      assert.equal(await storedHash('pw_upgrade'), upgraded, 'no second re-hash once it meets the config');
      // The replica with the lower config verifies the stronger hash and never downgrades it.
      await login(h.app, 'pw_upgrade', 'upgrade-me-please');
      assert.equal(await storedHash('pw_upgrade'), upgraded);
    } finally {
      await stronger.close();
    }
  });

  test('only the lagging parameter needs to be raised', async () => {
    await signup(h.app, 'pw_time_only', 'time-cost-upgrade');
    const stronger = await buildApp({ ...h.config, ARGON2_TIME_COST: 3 });
    try {
      await login(stronger, 'pw_time_only', 'time-cost-upgrade');
      assert.match(await storedHash('pw_time_only'), /m=19456,t=3,p=1/);
    } finally {
      await stronger.close();
    }
  });
});

describe('common passwords are refused at signup', () => {
  for (const password of ['password123', 'PASSWORD123', 'Iloveyou1', 'qwertyuiop', '12345678', 'P@ssw0rd']) {
    test(`"${password}" → 400 VALIDATION_FAILED on password, nothing stored`, async () => {
      const username = `common_${Buffer.from(password).toString('hex').slice(0, 20)}`;
      const res = await h.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { username, password } });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
      assert.equal(res.json().error.field, 'password');
      assert.equal(await findUserByUsername(h.db, username), undefined);
    });
  }

  test('an uncommon password of the same shape is fine', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { username: 'uncommon', password: 'password123-walrus' } });
    assert.equal(res.statusCode, 201);
  });
});

describe('unknown usernames', () => {
  test('get the same answer as a wrong password, and create no user or counters beyond the throttle', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'ghost_user', password: 'whatever-it-is' } });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'INVALID_CREDENTIALS');
    assert.equal(await findUserByUsername(h.db, 'ghost_user'), undefined);
  });
});

const loginWith = (username: string, password: string) =>
  h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, headers: { 'x-forwarded-for': '198.51.100.200' } });

const assertPasswordRefused = (res: Awaited<ReturnType<typeof loginWith>>) => {
  assert.equal(res.statusCode, 400, res.body);
  assert.equal(res.json().error.code, 'VALIDATION_FAILED');
  assert.equal(res.json().error.field, 'password');
};

describe('passwords must be well-formed Unicode', () => {
  test('signup refuses a lone surrogate, high or low, and stores nothing', async () => {
    for (const [i, password] of ['pass\ud800word-long', 'pass\udc00word-long', 'trailing-high-\ud83d'].entries()) {
      const res = await h.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { username: `lone_${i}`, password } });
      assertPasswordRefused(res);
      assert.equal(await findUserByUsername(h.db, `lone_${i}`), undefined);
    }
    // A real pair (an emoji) is fine.
    await signup(h.app, 'emoji_user', 'rocket-\ud83d\ude80-launch');
    await login(h.app, 'emoji_user', 'rocket-\ud83d\ude80-launch');
  });

  test('a login with an ill-formed password is 400 before any check: it cannot open an account whose password has U+FFFD', async () => {
    // UTF-8 turns a lone surrogate into U+FFFD, so without the check this password would log in.
    await signup(h.app, 'replacement_char', 'correct-\ufffd-horse');
    for (const password of ['correct-\ud800-horse', 'correct-\udc00-horse']) assertPasswordRefused(await loginWith('replacement_char', password));
    // Nothing was counted by the throttle: the attempt tested no password.
    const counted = await h.db.selectFrom('login_failures').select('key').where('key', 'like', '%replacement_char').execute();
    assert.deepEqual(counted, []);
    assert.equal((await loginWith('replacement_char', 'correct-\ufffd-horse')).statusCode, 200);
  });
});

describe('passwords are normalised to NFC', () => {
  const composed = 'caf\u00e9-au-lait-noir';
  const decomposed = 'cafe\u0301-au-lait-noir';

  test('é composed and decomposed are the same password, whichever was used at signup', async () => {
    await signup(h.app, 'nfc_composed', composed);
    await signup(h.app, 'nfc_decomposed', decomposed);
    for (const username of ['nfc_composed', 'nfc_decomposed']) {
      for (const password of [composed, decomposed]) assert.equal((await loginWith(username, password)).statusCode, 200, `${username} ${password}`);
      assert.equal(await verify(await storedHash(username), composed), true, 'the hash is of the NFC form');
    }
  });

  test('a hash made before normalisation (from the decomposed string) still logs in, and is re-hashed from the NFC form', async () => {
    await signup(h.app, 'nfc_legacy', 'placeholder-password');
    const legacy = await hash(decomposed, { algorithm: 2 as Algorithm, memoryCost: 19456, timeCost: 2, parallelism: 1 });
    await h.db.updateTable('users').set({ password_hash: legacy }).where('username', '=', 'nfc_legacy').execute();
    assert.equal(await verify(legacy, composed), false);

    assert.equal((await loginWith('nfc_legacy', decomposed)).statusCode, 200);
    const rehashed = await storedHash('nfc_legacy');
    assert.notEqual(rehashed, legacy);
    assert.equal(await verify(rehashed, composed), true);
    // Now either form logs in; a wrong password still does not.
    assert.equal((await loginWith('nfc_legacy', composed)).statusCode, 200);
    assert.equal((await loginWith('nfc_legacy', 'cafe-au-lait-noir')).statusCode, 401);
  });

  test('the common-password check sees the normalised form', () => {
    assert.equal(isCommonPassword(new Set(['caf\u00e9caf\u00e9']), 'CAFE\u0301CAFE\u0301'), true);
  });
});
