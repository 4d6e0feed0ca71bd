import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { injectInternal } from '@questline/testkit';
import { INTERNAL_TOKEN, startAuth, type Harness } from './support.js';

let h: Harness;
before(async () => {
  h = await startAuth();
});
after(async () => {
  await h?.close();
});

test('the OpenAPI document is internal: without a valid internal signature it is 401', async () => {
  const unsigned = await h.app.inject({ method: 'GET', url: '/internal/openapi.json' });
  assert.equal(unsigned.statusCode, 401);
  assert.equal(unsigned.json().error.code, 'UNAUTHENTICATED');
  assert.equal(typeof unsigned.json().error.requestId, 'string');
  const wrongKey = await injectInternal(h.app, 'not-the-internal-token', { url: '/internal/openapi.json' });
  assert.equal(wrongKey.statusCode, 401);
});

test('the OpenAPI document describes every public route, and no internal one', async () => {
  const res = await injectInternal(h.app, INTERNAL_TOKEN, { url: '/internal/openapi.json' });
  assert.equal(res.statusCode, 200);
  const doc = res.json();
  const paths = Object.keys(doc.paths).sort();
  assert.deepEqual(paths, [
    '/api/v1/admin/account-audit',
    '/api/v1/admin/api-keys',
    '/api/v1/admin/api-keys/{id}',
    '/api/v1/admin/users',
    '/api/v1/admin/users/{userId}',
    '/api/v1/admin/users/{userId}/grants',
    '/api/v1/admin/users/{userId}/ledger',
    '/api/v1/admin/webhooks',
    '/api/v1/admin/webhooks/{id}',
    '/api/v1/admin/webhooks/{id}/deliveries',
    '/api/v1/admin/webhooks/{id}/deliveries/{deliveryId}/retry',
    '/api/v1/admin/webhooks/{id}/rotate-secret',
    '/api/v1/admin/webhooks/{id}/test',
    '/api/v1/auth/login',
    '/api/v1/auth/logout',
    '/api/v1/auth/refresh',
    '/api/v1/auth/signup',
    '/api/v1/me',
    '/api/v1/me/ledger',
    '/api/v1/me/stream-tickets',
    '/api/v1/users/external/{externalId}',
    '/api/v1/users/{userId}/debits',
    '/api/v1/users/{userId}/sessions',
  ]);
  assert.deepEqual(doc.paths['/api/v1/me'].get.security, [{ bearerAuth: [] }]);
  assert.deepEqual(doc.paths['/api/v1/admin/users'].get.security, [{ bearerAuth: [] }, { apiKey: [] }]);
  assert.ok(doc.components.securitySchemes.apiKey, 'the API-key scheme is declared');
  assert.equal(doc.paths['/api/v1/auth/signup'].post.security, undefined);
  assert.ok(doc.paths['/api/v1/auth/signup'].post.responses['409']);
  // An admin grant asks the catalog about its currency, which can be down.
  assert.ok(doc.paths['/api/v1/admin/users/{userId}/grants'].post.responses['503']);
  // A debit's refusals, each under its status.
  const debit = doc.paths['/api/v1/users/{userId}/debits'].post.responses;
  for (const status of ['200', '201', '400', '403', '404', '409', '503']) assert.ok(debit[status], `debits ${status}`);
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
