import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, describeStartupFailure, redactDatabaseUrl, trustProxyOption } from '../src/index.js';

const URL_WITH_PASSWORD = 'postgres://questline:s3cret@db.internal:5432/questline_catalog';

test('redactDatabaseUrl drops the password and secret-looking query values, keeps the rest', () => {
  assert.equal(redactDatabaseUrl(URL_WITH_PASSWORD), 'postgres://questline@db.internal:5432/questline_catalog');
  assert.equal(redactDatabaseUrl('postgres://db/x?sslmode=require&sslpassword=p'), 'postgres://db/x?sslmode=require&sslpassword=redacted');
  assert.doesNotMatch(redactDatabaseUrl('not a url s3cret'), /s3cret/);
});

test('describeStartupFailure: connection failures name the redacted URL and the reason', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:5432'), { code: 'ECONNREFUSED' });
  assert.equal(describeStartupFailure('catalog', refused, URL_WITH_PASSWORD), 'catalog: cannot connect to postgres://questline@db.internal:5432/questline_catalog: ECONNREFUSED');
  // localhost resolves to ::1 and 127.0.0.1: Node reports both refusals as one AggregateError.
  const both = new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' })], '');
  assert.match(describeStartupFailure('catalog', both, URL_WITH_PASSWORD), /: ECONNREFUSED$/);
  const password = Object.assign(new Error('password authentication failed for user "questline"'), { code: '28P01' });
  assert.equal(describeStartupFailure('auth', password, URL_WITH_PASSWORD), 'auth: cannot connect to postgres://questline@db.internal:5432/questline_catalog: password authentication failed for user "questline"');
  const dns = Object.assign(new Error('getaddrinfo ENOTFOUND db.internal'), { code: 'ENOTFOUND' });
  assert.match(describeStartupFailure('auth', dns, URL_WITH_PASSWORD), /cannot connect to .*: ENOTFOUND$/);
});

test('describeStartupFailure: other failures give their first line, config errors their key', () => {
  const migration = new Error('migration 002_x.sql failed: syntax error at or near "SELEC"');
  assert.equal(describeStartupFailure('progress', migration, URL_WITH_PASSWORD), 'progress: migration 002_x.sql failed: syntax error at or near "SELEC"');
  assert.equal(describeStartupFailure('auth', new ConfigError('ADMIN_USERNAME', 'names a player')), 'auth: invalid configuration: ADMIN_USERNAME names a player');
  const listen = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8080\nmore'), { code: 'EADDRINUSE' });
  assert.equal(describeStartupFailure('gateway', listen), 'gateway: listen EADDRINUSE: address already in use 127.0.0.1:8080');
  const refusedWithoutDatabase = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  assert.equal(describeStartupFailure('gateway', refusedWithoutDatabase), 'gateway: connect ECONNREFUSED 127.0.0.1:1');
});

test('trustProxyOption: booleans, hop counts, address lists; anything else is a ConfigError naming TRUST_PROXY', () => {
  assert.equal(trustProxyOption('false'), false);
  assert.equal(trustProxyOption(' true '), true);
  const two = trustProxyOption('2');
  assert.equal(typeof two, 'function');
  if (typeof two === 'function') assert.deepEqual([0, 1, 2].map((hop) => two('10.0.0.1', hop)), [true, true, false]);
  assert.deepEqual(trustProxyOption('loopback, 10.0.0.0/8,fd00::/8 ,192.168.1.1'), ['loopback', '10.0.0.0/8', 'fd00::/8', '192.168.1.1']);
  for (const bad of ['10.0.0.0/33', 'fd00::/129', '256.0.0.1', 'everyone', '10.0.0.1/8/8', ' , ']) {
    assert.throws(() => trustProxyOption(bad), (err) => err instanceof ConfigError && err.key === 'TRUST_PROXY', bad);
  }
});
