import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { findUnstorableString } from '../src/body.js';
import { createApp, type App } from '../src/index.js';

const pathOf = (v: unknown) => findUnstorableString(v)?.path;

test('names the first field holding a NUL, in keys and values, at any depth', () => {
  assert.deepEqual(findUnstorableString({ a: 'ok', b: [{ c: 'x\u0000' }] }), { path: 'b.0.c', problem: 'NUL characters' });
  assert.equal(pathOf({ ['k\u0000']: 1 }), 'k\u0000');
  assert.equal(pathOf('\u0000'), '(root)');
  assert.equal(pathOf({ a: 'ok', n: 1, t: true, z: null }), undefined);
});

test('names the first string or key holding a lone UTF-16 surrogate; paired surrogates are fine', () => {
  assert.deepEqual(findUnstorableString({ a: ['ok', 'x\ud800y'] }), { path: 'a.1', problem: 'lone UTF-16 surrogates' });
  assert.deepEqual(findUnstorableString({ attributes: { ['k\udfff']: 'v' } }), { path: 'attributes.k\udfff', problem: 'lone UTF-16 surrogates' });
  assert.equal(pathOf(JSON.parse('{"id":"\\ud83d"}')), 'id');
  assert.equal(pathOf({ emoji: '😀 👩‍👩‍👧', paired: '\ud83d\ude00', rtl: '\u202eשלום' }), undefined);
});

test('a deeply nested body does not overflow the stack', () => {
  let deep: unknown = 'x\u0000';
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assert.match(pathOf(deep) ?? '', /^0(\.0)*$/);
});

test('streams and other non-JSON objects are not walked', () => {
  assert.equal(pathOf(Readable.from(['a'])), undefined);
});

let app: App;
before(async () => {
  ({ app } = await createApp({ service: 'test', logLevel: 'silent', trustProxy: 'false', internalToken: 'body-test-token' }));
  app.post('/things/:id', async (req) => ({ ok: true, body: req.body }));
  app.post('/batch', { config: { perItemStringCheck: 'items' } }, async (req) => {
    const { items } = req.body as { items: unknown[] };
    return { bad: items.flatMap((item, index) => (findUnstorableString(item) ? [index] : [])) };
  });
  await app.ready();
});
after(() => app.close());

const json = (payload: string) => ({ payload, headers: { 'content-type': 'application/json' } });

// A URL cannot carry a lone surrogate (its UTF-8 form %ED%A0%80 is invalid and stays undecoded),
// but params and querystrings are walked all the same.
test('a lone surrogate or a NUL anywhere in a request is 400 VALIDATION_FAILED naming the field', async () => {
  const cases = [
    { url: '/things/1', ...json('{"name":"a\\ud800"}'), message: /^body\.name must not contain lone UTF-16 surrogates$/, field: 'name' },
    { url: '/things/1', ...json('{"attrs":{"k\\udc00":1}}'), message: /^body\.attrs\.k/, field: 'attrs.k\udc00' },
    { url: '/things/1', ...json('{"name":"a\\u0000"}'), message: /^body\.name must not contain NUL characters$/, field: 'name' },
    { url: '/things/a%00', ...json('{}'), message: /^params\.id must not contain NUL/, field: 'id' },
    { url: '/things/1?filter=a%00', ...json('{}'), message: /^querystring\.filter must not contain NUL/, field: 'filter' },
  ];
  for (const { message, field, ...req } of cases) {
    const res = await app.inject({ method: 'POST', ...req });
    assert.equal(res.statusCode, 400, `${req.url} ${req.payload}: ${res.body}`);
    const { error } = res.json();
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.match(error.message, message);
    assert.equal(error.field, field);
  }
  const fine = await app.inject({ method: 'POST', url: '/things/1', ...json('{"name":"\\ud83d\\ude00"}') });
  assert.equal(fine.statusCode, 200);
  assert.deepEqual(fine.json().body, { name: '😀' });
});

test('a route with perItemStringCheck gets its items unchecked, the rest of its body still checked', async () => {
  const res = await app.inject({ method: 'POST', url: '/batch', ...json('{"items":[{"a":"ok"},{"a":"\\ud800"},{"b\\u0000":1},"fine"]}') });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { bad: [1, 2] });
  const outside = await app.inject({ method: 'POST', url: '/batch', ...json('{"items":[],"note":"\\udfff"}') });
  assert.equal(outside.statusCode, 400);
  assert.equal(outside.json().error.field, 'note');
});
