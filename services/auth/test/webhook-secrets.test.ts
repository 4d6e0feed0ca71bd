import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { generateWebhookSecret, parseConfig, ConfigError } from '@questline/platform';
import { ConfigSchema } from '../src/config.js';
import { apiKeyHashKey, webhookSecretKey } from '../src/context.js';
import {
  WEBHOOK_SECRET_OVERLAP_MS,
  decryptWebhookSecret,
  encryptWebhookSecret,
  rotatedSecrets,
  signingSecretsOf,
  webhookEncryptionKey,
} from '../src/domain/webhook-secrets.js';

const key = webhookEncryptionKey('a-test-webhook-secret-key-0123456789abcdef');

describe('webhook secrets at rest', () => {
  test('encrypted, not in clear, and back with the same key; a fresh IV each time', () => {
    const secret = generateWebhookSecret();
    const a = encryptWebhookSecret(secret, key);
    const b = encryptWebhookSecret(secret, key);
    assert.ok(!a.includes(secret) && !a.includes(secret.slice(6)));
    assert.notEqual(a, b);
    assert.equal(decryptWebhookSecret(a, key), secret);
    assert.equal(decryptWebhookSecret(b, key), secret);
  });

  test('another key or a tampered row fails instead of yielding a wrong secret', () => {
    const stored = encryptWebhookSecret(generateWebhookSecret(), key);
    assert.throws(() => decryptWebhookSecret(stored, webhookEncryptionKey('another-key-of-at-least-32-characters!!')));
    const parts = stored.split('.');
    const ct = Buffer.from(parts[3]!, 'base64');
    ct[0] = ct[0]! ^ 1;
    assert.throws(() => decryptWebhookSecret([parts[0], parts[1], parts[2], ct.toString('base64')].join('.'), key));
    assert.throws(() => decryptWebhookSecret('whsec_plain', key), /not an encrypted webhook secret/);
  });
});

describe('signingSecretsOf and rotation (injected clock)', () => {
  const t0 = new Date('2026-03-01T12:00:00Z');
  const oldSecret = generateWebhookSecret();
  const newSecret = generateWebhookSecret();
  const endpoint = { secret_encrypted: encryptWebhookSecret(oldSecret, key), previous_secret_encrypted: null, previous_secret_expires_at: null };

  test('one secret before any rotation', () => {
    assert.deepEqual(signingSecretsOf(endpoint, key, t0), [oldSecret]);
  });

  test('after a rotation both sign for 24 hours, the new one first; then only the new one', () => {
    const rotated = rotatedSecrets(endpoint.secret_encrypted, newSecret, key, t0);
    assert.equal(rotated.previous_secret_expires_at!.getTime() - t0.getTime(), 24 * 3600 * 1000);
    assert.equal(WEBHOOK_SECRET_OVERLAP_MS, 24 * 3600 * 1000);
    assert.deepEqual(signingSecretsOf(rotated, key, t0), [newSecret, oldSecret]);
    assert.deepEqual(signingSecretsOf(rotated, key, new Date(t0.getTime() + 23 * 3600 * 1000 + 59 * 60 * 1000)), [newSecret, oldSecret]);
    assert.deepEqual(signingSecretsOf(rotated, key, new Date(t0.getTime() + 24 * 3600 * 1000)), [newSecret]);
    assert.deepEqual(signingSecretsOf(rotated, key, new Date(t0.getTime() + 48 * 3600 * 1000)), [newSecret]);
  });

  test('a second rotation within the overlap keeps two secrets: the newest and the one it replaced', () => {
    const third = generateWebhookSecret();
    const once = rotatedSecrets(endpoint.secret_encrypted, newSecret, key, t0);
    const twice = rotatedSecrets(once.secret_encrypted, third, key, new Date(t0.getTime() + 3600_000));
    assert.deepEqual(signingSecretsOf(twice, key, new Date(t0.getTime() + 2 * 3600_000)), [third, newSecret]);
  });
});

describe('WEBHOOK_SECRET_KEY', () => {
  const base = { DATABASE_URL: 'postgres://x@localhost/x', INTERNAL_TOKEN: 'internal-token-0123456789', JWT_PRIVATE_JWK: '{}', PROGRESS_URL: 'http://p', CATALOG_URL: 'http://c' };

  test('production refuses to start without it, naming it', () => {
    const config = parseConfig(ConfigSchema, { ...base, NODE_ENV: 'production' });
    assert.throws(() => webhookSecretKey(config), (err: unknown) => err instanceof ConfigError && err.key === 'WEBHOOK_SECRET_KEY');
  });

  test('outside production it is derived from INTERNAL_TOKEN, and differs from the API-key hash key derivation', () => {
    const config = parseConfig(ConfigSchema, { ...base, NODE_ENV: 'development' });
    assert.equal(webhookSecretKey(config).length, 32);
    assert.deepEqual(webhookSecretKey(config), webhookSecretKey(config));
    assert.notDeepEqual(webhookSecretKey(config), apiKeyHashKey(config));
    const given = parseConfig(ConfigSchema, { ...base, NODE_ENV: 'production', WEBHOOK_SECRET_KEY: 'k'.repeat(40) });
    assert.deepEqual(webhookSecretKey(given), webhookEncryptionKey('k'.repeat(40)));
  });

  test('a short key is refused by the schema; the WEBHOOK_ALLOW_* keys default to false', () => {
    assert.throws(() => parseConfig(ConfigSchema, { ...base, WEBHOOK_SECRET_KEY: 'short' }), /WEBHOOK_SECRET_KEY/);
    const config = parseConfig(ConfigSchema, base);
    assert.equal(config.WEBHOOK_ALLOW_HTTP, false);
    assert.equal(config.WEBHOOK_ALLOW_PRIVATE, false);
  });
});
