/**
 * The gateway in front of the four real services: every operation of api.md reaches the service
 * that owns it (proved by that service's own http_requests_total), bad tokens and wrong roles never
 * do, a request id travels through two services, and the OpenAPI document describes every operation.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { SignJWT, generateKeyPair } from 'jose';
import { apiClient, eventually, startTestStack, type ApiCall, type TestStack } from '@questline/testkit';
import { ROUTES } from '../services/gateway/src/routes/route-table.js';

type Service = 'auth' | 'catalog' | 'progress';
type Access = 'public' | 'user' | 'admin';
interface Operation {
  method: string;
  path: string;
  service: Service;
  access: Access;
  body: boolean;
}

const op = (method: string, p: string, service: Service, access: Access, body = false): Operation => ({ method, path: p, service, access, body });

/** Every operation of docs/api.md (and docs/api-extensions.md), by owning service. */
const API: Operation[] = [
  op('POST', '/api/v1/auth/signup', 'auth', 'public', true),
  op('POST', '/api/v1/auth/login', 'auth', 'public', true),
  op('POST', '/api/v1/auth/refresh', 'auth', 'public', true),
  op('POST', '/api/v1/auth/logout', 'auth', 'user', true),
  op('GET', '/api/v1/me', 'auth', 'user'),
  op('PATCH', '/api/v1/me', 'auth', 'user', true),
  op('GET', '/api/v1/me/ledger', 'auth', 'user'),
  op('GET', '/api/v1/admin/users', 'auth', 'admin'),
  op('GET', '/api/v1/admin/users/{userId}', 'auth', 'admin'), // docs/api-extensions.md
  op('PATCH', '/api/v1/admin/users/{userId}', 'auth', 'admin', true),
  op('POST', '/api/v1/admin/users/{userId}/grants', 'auth', 'admin', true),
  op('GET', '/api/v1/quests', 'catalog', 'public'),
  op('GET', '/api/v1/quests/{key}', 'catalog', 'public'),
  op('GET', '/api/v1/admin/quests', 'catalog', 'admin'),
  op('POST', '/api/v1/admin/quests', 'catalog', 'admin', true),
  op('PUT', '/api/v1/admin/quests/{key}', 'catalog', 'admin', true),
  op('POST', '/api/v1/admin/quests/{key}/publish', 'catalog', 'admin'),
  op('POST', '/api/v1/admin/quests/{key}/archive', 'catalog', 'admin'),
  op('DELETE', '/api/v1/admin/quests/{key}', 'catalog', 'admin'),
  op('GET', '/api/v1/rewards', 'catalog', 'public'),
  op('GET', '/api/v1/rewards/{id}', 'catalog', 'public'),
  op('POST', '/api/v1/admin/rewards', 'catalog', 'admin', true),
  op('PUT', '/api/v1/admin/rewards/{id}', 'catalog', 'admin', true),
  op('DELETE', '/api/v1/admin/rewards/{id}', 'catalog', 'admin'),
  op('POST', '/api/v1/events', 'progress', 'user', true),
  op('POST', '/api/v1/admin/events', 'progress', 'admin', true),
  op('GET', '/api/v1/me/quests', 'progress', 'user'),
  op('POST', '/api/v1/me/quests/{key}/claim', 'progress', 'user'),
  op('GET', '/api/v1/admin/users/{userId}/quests', 'progress', 'admin'),
];

let stack: TestStack;
let api: ApiCall;
let adminToken: string;
let playerToken: string;

/** Requests a service counted for one route template (any status), from its own /metrics. */
async function served(service: Service, method: string, openApiPath: string): Promise<number> {
  const route = openApiPath.replace(/\{(\w+)\}/g, ':$1');
  const text = await (await fetch(`${stack.urls[service]}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('http_requests_total{')) continue;
    if (line.includes(`method="${method}"`) && line.includes(`route="${route}"`)) total += Number(line.split(' ').pop());
  }
  return total;
}

/** Fills path parameters with harmless values: a seeded quest key, fresh uuids. */
const concrete = (p: string) => p.replace('{key}', 'no-such-quest').replace(/\{(userId|id)\}/g, () => randomUUID());

before(async () => {
  stack = await startTestStack({ name: 'gwroute' });
  api = apiClient(stack.gateway);
  adminToken = (await api('POST', '/api/v1/auth/login', { body: stack.admin })).body.accessToken;
  await api('POST', '/api/v1/auth/signup', { body: { username: 'router1', password: 'a-good-password' } });
  playerToken = (await api('POST', '/api/v1/auth/login', { body: { username: 'router1', password: 'a-good-password' } })).body.accessToken;
  assert.ok(adminToken && playerToken);
});
after(async () => {
  await stack?.close();
});

describe('routing to the real services', () => {
  test('every operation of api.md reaches the service that owns it', async () => {
    for (const o of API) {
      const before = await served(o.service, o.method, o.path);
      const token = o.access === 'admin' ? adminToken : o.access === 'user' ? playerToken : undefined;
      // Empty bodies: the service answers 400 VALIDATION_FAILED, which proves it got the request
      // without changing any data.
      const res = await api(o.method, concrete(o.path), { token, ...(o.body ? { body: {} } : {}) });
      assert.ok(res.status < 500, `${o.method} ${o.path}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(await served(o.service, o.method, o.path), before + 1, `${o.method} ${o.path} reached ${o.service}`);
    }
  });

  test('garbage, tampered and foreign-key tokens and a player on admin routes never reach a service', async () => {
    // (Expired tokens signed by the real key: services/gateway/test/edge-security.test.ts.)
    const [h, p, s] = playerToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')}.${s}`;
    const lifted = `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 86_400 })).toString('base64url')}.${s}`;
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const foreign = await new SignJWT({ role: 'admin', status: 'active', tz: 'UTC' })
      .setProtectedHeader({ alg: 'EdDSA', kid: JSON.parse(Buffer.from(h, 'base64url').toString()).kid })
      .setSubject(claims.sub)
      .setIssuer('questline-auth')
      .setAudience('questline')
      .setExpirationTime('5m')
      .sign(privateKey);
    const guarded = API.filter((o) => o.access !== 'public');
    const before = await Promise.all(guarded.map((o) => served(o.service, o.method, o.path)));
    for (const o of guarded) {
      for (const token of [undefined, 'garbage', tampered, lifted, foreign]) {
        const res = await api(o.method, concrete(o.path), { token, ...(o.body ? { body: {} } : {}) });
        assert.equal(res.status, 401, `${o.method} ${o.path}`);
        assert.equal(res.body.error.code, 'UNAUTHENTICATED');
      }
      if (o.access === 'admin') {
        const res = await api(o.method, concrete(o.path), { token: playerToken, ...(o.body ? { body: {} } : {}) });
        assert.equal(res.status, 403, `${o.method} ${o.path}`);
        assert.equal(res.body.error.code, 'FORBIDDEN');
      }
    }
    const afterwards = await Promise.all(guarded.map((o) => served(o.service, o.method, o.path)));
    assert.deepEqual(afterwards, before, 'no service counted any of those requests');
  });

  test('/internal routes are 404 at the gateway and no service sees them', async () => {
    const id = `internal-${randomUUID()}`;
    for (const p of ['/internal/quests', '/internal/openapi.json', `/internal/users/${randomUUID()}`, '/internal/events']) {
      const res = await api(p === '/internal/events' ? 'POST' : 'GET', p, { headers: { 'x-request-id': id } });
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, 'NOT_FOUND');
    }
    // The gateway's log line shows the logs are flushed; no service has a line with that id.
    await eventually(async () => (await readFile(path.join(stack.logDir, 'gateway.log'), 'utf8')).includes(id), 5000, 'the gateway log');
    for (const service of ['auth', 'catalog', 'progress']) {
      assert.ok(!(await readFile(path.join(stack.logDir, `${service}.log`), 'utf8')).includes(id), service);
    }
  });

  test('paths next to public ones that api.md does not list are 404 at the gateway, even with a valid token', async () => {
    const id = `unlisted-${randomUUID()}`;
    const unlisted: Array<[string, string, string]> = [
      ['GET', '/api/v1/me/secrets', playerToken],
      ['GET', '/api/v1/auth/whoami', playerToken],
      ['GET', '/api/v1/quests/daily-login/extra', playerToken],
      ['POST', '/api/v1/me/quests/daily-login/unclaim', playerToken],
      ['GET', `/api/v1/admin/users/${randomUUID()}/sessions`, adminToken],
      ['POST', '/api/v1/admin/quests/daily-login/delete', adminToken],
    ];
    for (const [method, p, token] of unlisted) {
      const res = await api(method, p, { token, headers: { 'x-request-id': id } });
      assert.equal(res.status, 404, `${method} ${p}`);
      assert.equal(res.body.error.code, 'NOT_FOUND');
    }
    await eventually(async () => (await readFile(path.join(stack.logDir, 'gateway.log'), 'utf8')).includes(id), 5000, 'the gateway log');
    for (const service of ['auth', 'catalog', 'progress']) {
      assert.ok(!(await readFile(path.join(stack.logDir, `${service}.log`), 'utf8')).includes(id), service);
    }
  });

  test('a body over 1 MiB sent chunked, without Content-Length, is 413 too', async () => {
    // node:http on a fresh connection rather than fetch: the gateway may answer 413 and close while
    // the client is still writing, and the answer must be read even if a later write then fails.
    // The gateway answers 413 and closes with request bytes still unread, so the kernel may reset
    // the connection before the client has read the answer (EPIPE/ECONNRESET, no response): a
    // transport race, not an answer. Such an attempt is tried again; any answer is asserted.
    const attempt = () => new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${stack.gateway}/api/v1/events`, {
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${playerToken}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      });
      let answered = false;
      req.on('response', (res) => {
        answered = true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      });
      req.on('error', (err) => {
        if (!answered) reject(err);
      });
      const chunk = 'a'.repeat(64 * 1024);
      let sent = 0;
      const writeMore = (): void => {
        while (sent < 20 && !req.destroyed) {
          sent++;
          if (!req.write(chunk)) return void req.once('drain', writeMore);
        }
        if (!req.destroyed) req.end();
      };
      writeMore();
    });
    let answer: { status: number; body: string } | undefined;
    for (let i = 0; i < 5 && !answer; i++) {
      answer = await attempt().catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE' || err.code === 'ECONNRESET') return undefined;
        throw err;
      });
    }
    assert.ok(answer, 'an answer within five attempts');
    const { status, body } = answer;
    assert.equal(status, 413);
    assert.equal(JSON.parse(body).error.code, 'PAYLOAD_TOO_LARGE');
  });
});

describe('request ids', () => {
  test('a request id goes through the gateway, progress and, from progress, auth', async () => {
    const id = `rt-${randomUUID()}`;
    // An admin view of a user progress has never heard of: progress asks auth about them.
    const res = await api('GET', `/api/v1/admin/users/${randomUUID()}/quests`, { token: adminToken, headers: { 'x-request-id': id } });
    assert.ok(res.status === 404 || res.status === 200, String(res.status));
    assert.equal(res.headers.get('x-request-id'), id);
    if (res.status === 404) assert.equal(res.body.error.requestId, id);
    for (const service of ['gateway', 'progress', 'auth']) {
      await eventually(async () => {
        const log = await readFile(path.join(stack.logDir, `${service}.log`), 'utf8');
        return log.includes(`"requestId":"${id}"`);
      }, 5000, `${service} logging ${id}`);
    }
  });

  test('a malformed request id is replaced by a fresh one', async () => {
    const res = await api('GET', '/api/v1/quests', { headers: { 'x-request-id': 'bad id with spaces {}' } });
    assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });
});

describe('the OpenAPI document', () => {
  let doc: any;
  before(async () => {
    const res = await api('GET', '/api/v1/openapi.json');
    assert.equal(res.status, 200);
    doc = res.body;
  });

  test('describes every operation of api.md with request, response and error schemas', () => {
    const errorRef = (r: any) => r?.content?.['application/json']?.schema?.$ref === '#/components/schemas/ErrorBody';
    for (const o of API) {
      const operation = doc.paths[o.path]?.[o.method.toLowerCase()];
      const name = `${o.method} ${o.path}`;
      assert.ok(operation, `${name} is documented`);
      if (o.body) assert.ok(operation.requestBody?.content?.['application/json']?.schema, `${name}: request body schema`);
      for (const param of o.path.match(/\{\w+\}/g) ?? []) {
        assert.ok(operation.parameters?.some((p: any) => p.in === 'path' && `{${p.name}}` === param), `${name}: ${param} parameter`);
      }
      const statuses = Object.keys(operation.responses ?? {});
      const success = statuses.filter((s) => s.startsWith('2'));
      assert.ok(success.length > 0, `${name}: a success response`);
      for (const s of success) if (s !== '204') assert.ok(operation.responses[s].content?.['application/json']?.schema, `${name}: ${s} schema`);
      const errors = statuses.filter((s) => Number(s) >= 400);
      for (const s of errors) assert.ok(errorRef(operation.responses[s]), `${name}: ${s} is the error shape`);
      const expected = ['429', '503', '504', ...(o.body ? ['400', '413'] : []), ...(o.access !== 'public' ? ['401', '403'] : [])];
      for (const s of expected) assert.ok(statuses.includes(s), `${name}: documents ${s}`);
      // Routes a scope covers also name the API-key scheme (services/gateway/README.md, scope table).
      if (o.access !== 'public') assert.deepEqual(operation.security[0], { bearerAuth: [] }, `${name}: bearer security`);
    }
  });

  test("every operation a key may call names the apiKey scheme and its scope (the gateway's scope table), and no other does", () => {
    assert.equal(doc.components.securitySchemes.apiKey.scheme, 'bearer');
    const scoped = new Map<string, string>();
    for (const route of ROUTES) {
      const apiPath = route.url.replace(/:(\w+)/g, '{$1}');
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
        const scope = route.scopes?.[method as keyof typeof route.scopes] ?? route.scope;
        if (scope && doc.paths[apiPath]?.[method.toLowerCase()]) scoped.set(`${method} ${apiPath}`, scope);
      }
    }
    assert.ok(scoped.size >= 20, `${scoped.size} operations open to keys`);
    for (const [apiPath, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, operation] of Object.entries<any>(ops)) {
        const name = `${method.toUpperCase()} ${apiPath}`;
        const takesKey = (operation.security ?? []).some((s: any) => 'apiKey' in s);
        const scope = scoped.get(name);
        assert.equal(takesKey, scope !== undefined, `${name}: apiKey security ${scope ? `(scope ${scope})` : 'not expected'}`);
        if (scope) assert.match(operation.description ?? '', new RegExp(`\`${scope}\``), `${name}: the description names ${scope}`);
      }
    }
  });

  test("names, per status, the error codes each operation can answer (the services' own, kept by the merge)", () => {
    const codes = (path: string, method: string, status: string): string => doc.paths[path][method].responses[status]?.description ?? '';
    assert.match(codes('/api/v1/me/quests/{key}/claim', 'post', '409'), /\bNOTHING_TO_CLAIM\b/);
    assert.match(codes('/api/v1/me/quests/{key}/claim', 'post', '403'), /\bUSER_BANNED\b/);
    assert.match(codes('/api/v1/auth/login', 'post', '401'), /\bINVALID_CREDENTIALS\b/);
    assert.match(codes('/api/v1/auth/signup', 'post', '409'), /\bUSERNAME_TAKEN\b/);
    assert.match(codes('/api/v1/admin/quests', 'post', '409'), /\bQUEST_KEY_TAKEN\b/);
    assert.match(codes('/api/v1/admin/quests/{key}', 'delete', '409'), /\bQUEST_NOT_DRAFT\b/);
  });

  test('has no internal or operations paths, and every $ref resolves', () => {
    const paths = Object.keys(doc.paths);
    assert.ok(!paths.some((p) => p.startsWith('/internal') || ['/healthz', '/readyz', '/metrics'].includes(p)));
    assert.equal(doc.components.securitySchemes.bearerAuth.scheme, 'bearer');
    const refs = new Set<string>();
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref') refs.add(String(x));
          else walk(x);
        }
      }
    };
    walk(doc.paths);
    for (const ref of refs) {
      assert.match(ref, /^#\/components\/schemas\//);
      assert.ok(doc.components.schemas[ref.split('/').pop()!], `${ref} resolves`);
    }
  });

  test('Swagger UI is served at /docs, titled Questline API, reading /api/v1/openapi.json', async () => {
    const res = await fetch(`${stack.gateway}/docs/`, { redirect: 'follow' });
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /swagger/i);
    assert.match(html, /<title>Questline API<\/title>/);
    const init = await fetch(`${stack.gateway}/docs/static/swagger-initializer.js`);
    assert.equal(init.status, 200);
    assert.match(await init.text(), /"url":"\/api\/v1\/openapi\.json"/);
  });

  test('every operation of the document is in one public section; no query parameter with a default is marked required', async () => {
    const doc = (await (await fetch(`${stack.gateway}/api/v1/openapi.json`)).json()) as {
      tags: { name: string }[];
      paths: Record<string, Record<string, { tags?: string[]; parameters?: { in: string; name: string; required?: boolean; schema?: { default?: unknown } }[] }>>;
    };
    const sections = ['Accounts', 'Progress', 'Catalog', 'Integration', 'Webhooks', 'Admin'];
    assert.deepEqual(doc.tags.map((t) => t.name).slice(0, 6), sections);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (path.startsWith('/api/v1/')) assert.ok(op.tags?.length === 1 && sections.includes(op.tags[0]!), `${method} ${path}: ${op.tags}`);
        for (const p of op.parameters ?? []) if (p.in === 'query' && p.schema?.default !== undefined) assert.notEqual(p.required, true, `${method} ${path} ?${p.name}`);
      }
    }
  });
});
