import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAuth, type Harness } from './support.js';

let h: Harness;
before(async () => {
  h = await startAuth();
});
after(async () => {
  await h?.close();
});

test('the OpenAPI document describes every public route, and no internal one', async () => {
  const res = await h.app.inject({ method: 'GET', url: '/internal/openapi.json' });
  assert.equal(res.statusCode, 200);
  const doc = res.json();
  const paths = Object.keys(doc.paths).sort();
  assert.deepEqual(paths, [
    '/api/v1/admin/users',
    '/api/v1/admin/users/{userId}',
    '/api/v1/admin/users/{userId}/grants',
    '/api/v1/auth/login',
    '/api/v1/auth/logout',
    '/api/v1/auth/refresh',
    '/api/v1/auth/signup',
    '/api/v1/me',
    '/api/v1/me/ledger',
  ]);
  assert.deepEqual(doc.paths['/api/v1/me'].get.security, [{ bearerAuth: [] }]);
  assert.equal(doc.paths['/api/v1/auth/signup'].post.security, undefined);
  assert.ok(doc.paths['/api/v1/auth/signup'].post.responses['409']);
});

test('health and readiness', async () => {
  assert.equal((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(ready.json().checks, { database: 'ok' });
});

test('unknown routes are 404 NOT_FOUND in the error shape, with a request id', async () => {
  const res = await h.app.inject({ method: 'GET', url: '/api/v1/nope', headers: { 'x-request-id': 'trace-123' } });
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().error.code, 'NOT_FOUND');
  assert.equal(res.json().error.requestId, 'trace-123');
  assert.equal(res.headers['x-request-id'], 'trace-123');
});
