import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeOpenApi } from '../src/domain/openapi-merge.js';
import { ROUTES } from '../src/routes/route-table.js';

const info = { title: 'Q', version: '1', description: 'd' };

test('keeps public paths and schemas of every service, drops internal ones', () => {
  const merged = mergeOpenApi(
    [
      {
        service: 'auth',
        doc: {
          paths: { '/api/v1/me': { get: { summary: 'me' } }, '/internal/users/{id}': { get: {} } },
          components: { schemas: { ErrorBody: { type: 'object' }, User: { type: 'object' } } },
          tags: [{ name: 'accounts' }],
        },
      },
      {
        service: 'progress',
        doc: {
          paths: { '/api/v1/me/quests': { get: {} }, '/healthz': { get: {} }, '/.well-known/jwks.json': { get: {} } },
          components: { schemas: { ErrorBody: { type: 'object' } } },
          tags: [{ name: 'accounts' }, { name: 'progress' }],
        },
      },
    ],
    info,
  );
  assert.deepEqual(Object.keys(merged.paths ?? {}), ['/.well-known/jwks.json', '/api/v1/me', '/api/v1/me/quests']);
  assert.deepEqual(Object.keys(merged.components?.schemas ?? {}), ['ErrorBody', 'User']);
  assert.deepEqual(merged.components?.schemas?.ErrorBody, { type: 'object' }, 'identical schemas are kept once');
  assert.deepEqual(merged.tags?.map((t) => t.name), ['Accounts', 'Progress', 'Catalog', 'Integration', 'Webhooks', 'Admin'], 'the public sections; unused service tags are dropped');
  assert.equal(merged.info, info);
});

test('operations are filed by path under the public sections; a query parameter with a default is optional', () => {
  const op = (tags: string[]) => ({ tags, parameters: [
    { in: 'query', name: 'limit', required: true, schema: { type: 'integer', default: 50 } },
    { in: 'query', name: 'status', required: true, schema: { type: 'string' } },
    { in: 'path', name: 'id', required: true, schema: { type: 'string' } },
  ] });
  const paths: Record<string, string> = {
    '/api/v1/auth/login': 'Accounts',
    '/api/v1/me': 'Accounts',
    '/api/v1/me/ledger': 'Accounts',
    '/api/v1/me/stream': 'Accounts',
    '/api/v1/me/quests': 'Progress',
    '/api/v1/me/quests/{key}/claim': 'Progress',
    '/api/v1/events': 'Progress',
    '/api/v1/admin/events': 'Progress',
    '/api/v1/quests/{key}': 'Catalog',
    '/api/v1/currencies': 'Catalog',
    '/api/v1/admin/api-keys/{id}': 'Integration',
    '/api/v1/users/external/{externalId}': 'Integration',
    '/api/v1/users/{userId}/debits': 'Integration',
    '/api/v1/admin/webhooks/{id}/deliveries': 'Webhooks',
    '/api/v1/admin/quests': 'Admin',
    '/api/v1/admin/users/{userId}': 'Admin',
    '/api/v1/admin/audit': 'Admin',
    '/.well-known/jwks.json': 'keys',
  };
  const merged = mergeOpenApi([{ service: 's', doc: { paths: Object.fromEntries(Object.keys(paths).map((p) => [p, { get: op(['keys']) }])), tags: [{ name: 'keys' }, { name: 'unused' }] } }], info);
  for (const [path, tag] of Object.entries(paths)) {
    const get = merged.paths![path]!.get as { tags: string[]; parameters: Array<{ name: string; required: boolean }> };
    assert.deepEqual(get.tags, [tag], path);
    assert.deepEqual(get.parameters.map((p) => [p.name, p.required]), [['limit', false], ['status', true], ['id', true]], path);
  }
  assert.deepEqual(merged.tags?.map((t) => t.name).slice(-1), ['keys'], 'a service tag still in use is kept after the sections');
});

test('the route table never exposes /internal and guards every admin path', () => {
  for (const r of ROUTES) {
    assert.ok(!r.url.startsWith('/internal'), r.url);
    if (r.url.startsWith('/api/v1/admin/')) assert.equal(r.access, 'admin', r.url);
    if (r.url.startsWith('/api/v1/me')) assert.equal(r.access, 'user', r.url);
  }
});

test('a schema name two services use differently is prefixed, and that service\'s refs follow', () => {
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const merged = mergeOpenApi(
    [
      { service: 'auth', doc: { paths: { '/api/v1/me': { get: { responses: { 200: { content: { 'application/json': { schema: ref('Item') } } } } } } }, components: { schemas: { Item: { type: 'string' } } } } },
      { service: 'catalog', doc: { paths: { '/api/v1/quests': { get: { responses: { 200: { content: { 'application/json': { schema: ref('Item') } } } } } } }, components: { schemas: { Item: { type: 'integer' } } } } },
    ],
    info,
  );
  const schemas = merged.components?.schemas ?? {};
  assert.deepEqual(schemas.Item, { type: 'string' });
  assert.deepEqual(schemas.catalog_Item, { type: 'integer' });
  const schemaOf = (p: string) => (merged.paths?.[p]?.get as any).responses['200'].content['application/json'].schema;
  assert.deepEqual(schemaOf('/api/v1/me'), ref('Item'));
  assert.deepEqual(schemaOf('/api/v1/quests'), ref('catalog_Item'));
});

test('every operation gets the gateway\'s own error responses, without overriding the service\'s', () => {
  const merged = mergeOpenApi(
    [
      {
        service: 'progress',
        doc: {
          paths: {
            '/api/v1/events': { post: { requestBody: {}, security: [{ bearerAuth: [] }], responses: { 200: { description: 'Default Response' }, 503: { description: 'own' } } } },
            '/api/v1/quests': { get: { responses: { 200: { description: 'Default Response' } } } },
          },
        },
      },
    ],
    info,
  );
  const post = merged.paths?.['/api/v1/events']?.post as any;
  assert.deepEqual(Object.keys(post.responses).sort(), ['200', '401', '413', '429', '503', '504']);
  assert.equal(post.responses['503'].description, 'own');
  assert.equal(post.responses['200'].description, 'OK');
  assert.equal(post.responses['429'].content['application/json'].schema.$ref, '#/components/schemas/ErrorBody');
  assert.ok(post.responses['429'].headers['Retry-After']);
  const get = merged.paths?.['/api/v1/quests']?.get as any;
  assert.deepEqual(Object.keys(get.responses).sort(), ['200', '429', '503', '504'], 'no 413 without a body, no 401 on a public operation');
  assert.ok(merged.components?.schemas?.ErrorBody, 'the error shape is always defined');
});
