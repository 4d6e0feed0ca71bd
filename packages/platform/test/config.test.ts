import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { ConfigError, parseConfig } from '../src/config.js';

const Schema = Type.Object({
  PORT: Type.Integer({ default: 8080, minimum: 1, maximum: 65535 }),
  DATABASE_URL: Type.String({ pattern: '^postgres://' }),
  FLAG: Type.Boolean({ default: false }),
});

test('converts strings, applies defaults', () => {
  const cfg = parseConfig(Schema, { DATABASE_URL: 'postgres://x', FLAG: 'true', UNRELATED: 'ignored' });
  assert.deepEqual(cfg, { PORT: 8080, DATABASE_URL: 'postgres://x', FLAG: true });
});

test('a bad value names the key', () => {
  assert.throws(() => parseConfig(Schema, { DATABASE_URL: 'postgres://x', PORT: 'eighty' }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.key, 'PORT');
    return true;
  });
  assert.throws(() => parseConfig(Schema, { DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
});

test('a missing required key names the key', () => {
  assert.throws(() => parseConfig(Schema, {}), (err: unknown) => err instanceof ConfigError && err.key === 'DATABASE_URL');
});
