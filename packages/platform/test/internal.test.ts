import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NonceCache, signInternal, verifyInternal } from '../src/internal.js';

const SECRET = 's'.repeat(32);

test('a signed request verifies once; a tampered body, method, path or secret does not', () => {
  const body = JSON.stringify({ userId: 'u', amount: 10 });
  const headers = signInternal(SECRET, { method: 'POST', path: '/internal/grants', body });
  const check = (over: Partial<{ method: string; path: string; body: string; secret: string }>) =>
    verifyInternal(over.secret ?? SECRET, { method: over.method ?? 'POST', path: over.path ?? '/internal/grants', body: over.body ?? body, headers }, new NonceCache());
  assert.equal(check({ body: body.replace('10', '1000') }), 'bad-signature');
  assert.equal(check({ method: 'PUT' }), 'bad-signature');
  assert.equal(check({ path: '/internal/grants?x=1' }), 'bad-signature');
  assert.equal(check({ secret: 'x'.repeat(32) }), 'bad-signature');
  const nonces = new NonceCache();
  const req = { method: 'POST', path: '/internal/grants', body, headers };
  assert.equal(verifyInternal(SECRET, req, nonces), 'ok');
  assert.equal(verifyInternal(SECRET, req, nonces), 'replayed');
});

test('missing headers and stale timestamps are refused', () => {
  assert.equal(verifyInternal(SECRET, { method: 'GET', path: '/internal/x', headers: {} }, new NonceCache()), 'missing');
  const headers = signInternal(SECRET, { method: 'GET', path: '/internal/x' });
  assert.equal(verifyInternal(SECRET, { method: 'GET', path: '/internal/x', headers }, new NonceCache(), Date.now() + 61_000), 'expired');
});
