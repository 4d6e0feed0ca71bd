import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { createApp, type App } from '../src/index.js';
import { nullableAsTypeArrays } from '../src/serializer.js';

const Item = Type.Object({
  when: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  streak: Type.Union([Type.Object({ current: Type.Integer(), best: Type.Integer() }), Type.Null()]),
  count: Type.Union([Type.Integer(), Type.Null()]),
  status: Type.Union([Type.Literal('active'), Type.Literal('locked')]),
  badge: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
const List = Type.Object({ items: Type.Array(Item) });

let app: App;
before(async () => {
  ({ app } = await createApp({ service: 'test', logLevel: 'silent', trustProxy: 'false', internalToken: 'serializer-test-token' }));
  // Served as any handler's data may be (a Date, a field the schema does not have): the schema decides what leaves.
  app.get('/list', { schema: { response: { 200: List } } }, async () => ({
    items: [
      { when: '2026-03-01T10:00:00.000Z', streak: { current: 2, best: 3, extra: 'not in the schema' }, count: 4, status: 'active', badge: 'gold' },
      { when: null, streak: null, count: null, status: 'locked', badge: null },
      { when: new Date('2026-03-02T00:00:00Z'), streak: null, count: 0, status: 'active' },
    ],
  }) as never);
  await app.ready();
});
after(() => app.close());

test('a nullable union becomes a type array; other unions and the original schema are left alone', () => {
  const copy = nullableAsTypeArrays(JSON.parse(JSON.stringify(Item))) as { properties: Record<string, Record<string, unknown>> };
  assert.deepEqual(copy.properties.when, { type: ['string', 'null'], format: 'date-time' });
  assert.deepEqual(copy.properties.streak!.type, ['object', 'null']);
  assert.deepEqual(copy.properties.count, { type: ['integer', 'null'] });
  assert.ok(Array.isArray(copy.properties.status!.anyOf), 'a union of literals stays a union');
  assert.ok(Array.isArray((Item.properties.when as { anyOf?: unknown }).anyOf), 'the schema itself is not changed');
});

test('responses serialise as the schema says: nulls, nested objects without unknown fields, dates, literals', async () => {
  const res = await app.inject({ method: 'GET', url: '/list' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {
    items: [
      { when: '2026-03-01T10:00:00.000Z', streak: { current: 2, best: 3 }, count: 4, status: 'active', badge: 'gold' },
      { when: null, streak: null, count: null, status: 'locked', badge: null },
      { when: '2026-03-02T00:00:00.000Z', streak: null, count: 0, status: 'active' },
    ],
  });
});

test('the OpenAPI document is made from the schema as written (its nullable string)', async () => {
  const doc = app.swagger() as unknown as { paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: { properties: { items: { items: { properties: Record<string, unknown> } } } } }> }> } }> };
  const props = doc.paths['/list']!.get.responses['200']!.content['application/json']!.schema.properties.items.items.properties;
  assert.deepEqual(props.when, { format: 'date-time', type: 'string', nullable: true });
});
