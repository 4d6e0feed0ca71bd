import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeOpenApi } from '../src/domain/openapi-merge.js';
import { ROUTES } from '../src/routes/route-table.js';

const info = { title: 'Q', version: '1', description: 'd' };

test('keeps public paths and schemas of every service, drops internal ones', () => {
  const merged = mergeOpenApi(
    [
      {
        paths: { '/api/v1/me': { get: { summary: 'me' } }, '/internal/users/{id}': { get: {} } },
        components: { schemas: { ErrorBody: { type: 'object' }, User: { type: 'object' } } },
        tags: [{ name: 'accounts' }],
      },
      {
        paths: { '/api/v1/me/quests': { get: {} }, '/healthz': { get: {} }, '/.well-known/jwks.json': { get: {} } },
        components: { schemas: { ErrorBody: { type: 'string' } } },
        tags: [{ name: 'accounts' }, { name: 'progress' }],
      },
    ],
    info,
  );
  assert.deepEqual(Object.keys(merged.paths ?? {}), ['/.well-known/jwks.json', '/api/v1/me', '/api/v1/me/quests']);
  assert.deepEqual(Object.keys(merged.components?.schemas ?? {}), ['ErrorBody', 'User']);
  assert.deepEqual(merged.components?.schemas?.ErrorBody, { type: 'object' }, 'first definition wins');
  assert.deepEqual(merged.tags?.map((t) => t.name), ['accounts', 'progress']);
  assert.equal(merged.info, info);
});

test('the route table never exposes /internal and guards every admin path', () => {
  for (const r of ROUTES) {
    assert.ok(!r.url.startsWith('/internal'), r.url);
    if (r.url.startsWith('/api/v1/admin/')) assert.equal(r.access, 'admin', r.url);
    if (r.url.startsWith('/api/v1/me')) assert.equal(r.access, 'user', r.url);
  }
});
