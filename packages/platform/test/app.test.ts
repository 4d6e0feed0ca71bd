import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { AppError, UpstreamError, createApp, signInternal, type App } from '../src/index.js';

let app: App;
const INTERNAL_TOKEN = 'app-test-internal-token';

before(async () => {
  ({ app } = await createApp({ service: 'test', logLevel: 'silent', trustProxy: 'false', internalToken: INTERNAL_TOKEN }));
  app.post(
    '/things',
    {
      schema: {
        body: Type.Object({ name: Type.String({ maxLength: 10 }), count: Type.Integer() }, { additionalProperties: false }),
        querystring: Type.Object({ n: Type.Optional(Type.Integer()) }),
      },
    },
    async (req) => ({ ...req.body, n: req.query.n ?? null }),
  );
  app.get('/boom', async () => {
    throw new Error('secret internals: password=hunter2');
  });
  app.get('/peer-down', async () => {
    throw new UpstreamError('auth', 'connect ECONNREFUSED 10.0.0.7:8081');
  });
  app.get('/expected', async () => {
    throw new AppError('ALREADY_DONE', 'done already', 'thing');
  });
  app.get('/things/:id', async (req) => ({ id: (req.params as { id: string }).id }));
  await app.ready();
});
after(() => app.close());

test('valid input passes; querystrings are coerced, bodies are not', async () => {
  const ok = await app.inject({ method: 'POST', url: '/things?n=3', payload: { name: 'a', count: 1 } });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { name: 'a', count: 1, n: 3 });
  const coerced = await app.inject({ method: 'POST', url: '/things', payload: { name: 'a', count: '1' } });
  assert.equal(coerced.statusCode, 400);
  assert.equal(coerced.json().error.field, 'count');
});

test('validation failures name the field, in the error shape with the request id', async () => {
  const res = await app.inject({ method: 'POST', url: '/things', payload: { name: 'a' }, headers: { 'x-request-id': 'abc-1' } });
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.json(), {
    error: { code: 'VALIDATION_FAILED', message: res.json().error.message, requestId: 'abc-1', field: 'count', fields: [{ field: 'count', message: res.json().error.message }] },
  });
  assert.equal(res.headers['x-request-id'], 'abc-1');
  const unknown = await app.inject({ method: 'POST', url: '/things', payload: { name: 'a', count: 1, admin: true } });
  assert.equal(unknown.json().error.field, 'admin');
  const long = await app.inject({ method: 'POST', url: '/things', payload: { name: 'a'.repeat(11), count: 1 } });
  assert.equal(long.json().error.field, 'name');
  // Every failing field at once, each once.
  const several = await app.inject({ method: 'POST', url: '/things', payload: { name: 'a'.repeat(11), count: 'x', admin: true } });
  assert.deepEqual(several.json().error.fields.map((f: { field: string }) => f.field).sort(), ['admin', 'count', 'name']);
  // A body of many wrong fields is not echoed whole: the first 20.
  const extras = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`extra${i}`, i]));
  const many = await app.inject({ method: 'POST', url: '/things', payload: { name: 'a', count: 1, ...extras } });
  assert.equal(many.statusCode, 400);
  assert.equal(many.json().error.fields.length, 20);
  assert.equal(many.json().error.field, many.json().error.fields[0].field);
});

test('malformed JSON is 400, unknown routes 404, wrong media type 415', async () => {
  const bad = await app.inject({ method: 'POST', url: '/things', payload: '{"name":', headers: { 'content-type': 'application/json' } });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.code, 'INVALID_JSON');
  const missing = await app.inject({ method: 'GET', url: '/nope' });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.code, 'NOT_FOUND');
  const media = await app.inject({ method: 'POST', url: '/things', payload: 'x', headers: { 'content-type': 'text/plain' } });
  assert.equal(media.statusCode, 415);
});

test('NUL characters anywhere are a 400 naming the field; an empty JSON body is no body', async () => {
  const nul = await app.inject({ method: 'POST', url: '/things', payload: { name: 'a\u0000b', count: 1 } });
  assert.equal(nul.statusCode, 400);
  assert.equal(nul.json().error.field, 'name');
  const query = await app.inject({ method: 'POST', url: '/things?n=1&x=a%00b', payload: { name: 'a', count: 1 } });
  assert.equal(query.statusCode, 400);
  assert.equal(query.json().error.field, 'x');
  const empty = await app.inject({ method: 'POST', url: '/things', payload: '', headers: { 'content-type': 'application/json' } });
  assert.equal(empty.statusCode, 400);
  assert.equal(empty.json().error.code, 'VALIDATION_FAILED', 'no body, so the schema says what is missing');
});

test('an invalid request id is replaced by a fresh one', async () => {
  const res = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id with spaces' } });
  assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/);
});

test('expected errors keep their code; unexpected ones never leak internals', async () => {
  const expected = await app.inject({ method: 'GET', url: '/expected' });
  assert.equal(expected.statusCode, 409);
  assert.equal(expected.json().error.code, 'ALREADY_DONE');
  const boom = await app.inject({ method: 'GET', url: '/boom' });
  assert.equal(boom.statusCode, 500);
  assert.equal(boom.json().error.code, 'INTERNAL');
  assert.doesNotMatch(boom.body, /hunter2|secret/);
});

test('health and metrics', async () => {
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 200);
  // Names the service and its pid, so a starter waiting on a port can tell it from another process there.
  assert.equal(ready.json().service, 'test');
  assert.equal(ready.json().pid, process.pid);
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  assert.match(metrics.body, /http_requests_total\{.*route="\/things".*\}/);
});

// Found by tests/fuzz-api.test.ts: router errors left in Fastify's own shape without a request id.
test('a badly percent-encoded URL or an over-long path parameter is a 4xx in the error shape', async () => {
  for (const [url, status, code] of [
    ['/things/%ED%A0%80', 400, 'BAD_REQUEST'],
    ['/things/%ff%fe', 400, 'BAD_REQUEST'],
    ['/things/%', 400, 'BAD_REQUEST'],
    [`/things/${'a'.repeat(300)}`, 414, 'URI_TOO_LONG'],
  ] as const) {
    const res = await app.inject({ method: 'GET', url, headers: { 'x-request-id': 'bad-url-1' } });
    assert.equal(res.statusCode, status, url);
    assert.equal(res.json().error.code, code);
    assert.equal(typeof res.json().error.message, 'string');
    assert.equal(res.json().error.requestId, 'bad-url-1');
    assert.equal(res.headers['x-request-id'], 'bad-url-1');
  }
});

test('a database that went away is a 503 with Retry-After, not a 500', async () => {
  const { app: local } = await createApp({ service: 'test', logLevel: 'silent', trustProxy: 'false', internalOpenApi: false });
  local.get('/terminated', async () => {
    throw new Error('Connection terminated unexpectedly');
  });
  local.get('/shutdown', async () => {
    throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  });
  local.get('/refused', async () => {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  });
  local.get('/bug', async () => {
    throw Object.assign(new Error('syntax error at or near'), { code: '42601' });
  });
  await local.ready();
  try {
    for (const url of ['/terminated', '/shutdown', '/refused']) {
      const res = await local.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 503, url);
      assert.equal(res.json().error.code, 'SERVICE_UNAVAILABLE');
      assert.equal(res.headers['retry-after'], '1');
      assert.doesNotMatch(res.body, /5432|administrator/);
    }
    const bug = await local.inject({ method: 'GET', url: '/bug' });
    assert.equal(bug.statusCode, 500, 'a real bug stays a 500');
  } finally {
    await local.close();
  }
});

test('/internal/openapi.json requires the internal credential, like every /internal route', async () => {
  const unsigned = await app.inject({ method: 'GET', url: '/internal/openapi.json' });
  assert.equal(unsigned.statusCode, 401);
  assert.equal(unsigned.json().error.code, 'UNAUTHENTICATED');
  const forged = await app.inject({
    method: 'GET',
    url: '/internal/openapi.json',
    headers: signInternal('not-the-token', { method: 'GET', path: '/internal/openapi.json' }),
  });
  assert.equal(forged.statusCode, 401);
  const signed = await app.inject({
    method: 'GET',
    url: '/internal/openapi.json',
    headers: signInternal(INTERNAL_TOKEN, { method: 'GET', path: '/internal/openapi.json' }),
  });
  assert.equal(signed.statusCode, 200);
  assert.equal(signed.json().openapi, '3.0.3');
});

test('without an internal token (the gateway) there is no /internal/openapi.json at all', async () => {
  const { app: gateway } = await createApp({ service: 'edge', logLevel: 'silent', trustProxy: 'false', internalOpenApi: false });
  try {
    assert.equal((await gateway.inject({ method: 'GET', url: '/internal/openapi.json' })).statusCode, 404);
  } finally {
    await gateway.close();
  }
});

test('an unavailable peer is 503 UPSTREAM_UNAVAILABLE with Retry-After, naming the service but not its address', async () => {
  const res = await app.inject({ method: 'GET', url: '/peer-down' });
  assert.equal(res.statusCode, 503);
  assert.equal(res.headers['retry-after'], '1');
  assert.equal(res.json().error.code, 'UPSTREAM_UNAVAILABLE');
  assert.match(res.json().error.message, /^auth is unavailable/);
  assert.doesNotMatch(res.body, /10\.0\.0\.7|ECONNREFUSED/);
});
