/**
 * Property-based requests against every public endpoint, through the real gateway and services:
 * malformed JSON, wrong types, huge numbers, unicode, deep nesting, long strings, bad tokens, bad
 * path parameters and query strings. The property: never a 5xx, every 4xx in the api.md error shape
 * with the response's request id, and the services still answer afterwards. "Every public
 * endpoint" is the gateway's own route table (ROUTES) with the methods of its OpenAPI document, so a
 * route added there without a fuzz generator fails this file.
 * FUZZ_RUNS requests (400 in `npm test`; `npm run fuzz` sends 10,000), seed FUZZ_SEED.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import { SignJWT, generateKeyPair, importJWK, type JWTPayload } from 'jose';
import { apiClient, startTestStack, type ApiCall, type TestStack } from '@questline/testkit';
// The gateway's package exports nothing; the route table is a plain module (type imports only).
import { ROUTES } from '../services/gateway/src/routes/route-table.js';
import {
  bodyFor,
  endpoints,
  fuzzReportPath,
  fuzzRuns,
  fuzzSeed,
  pathParam,
  publicOperations,
  queryString,
  requestIdHeader,
  extraHeaders,
  tokenKinds,
  unfuzzedOperations,
  type BodySpec,
  type Endpoint,
  type Operation,
  type ParamKind,
  type TokenKind,
} from './fuzz-support.js';

let stack: TestStack;
let api: ApiCall;
const tokens = new Map<TokenKind, string[]>();
let playerId = '';
let adminId = '';
let operations: Promise<Operation[]> | undefined;

/** What the gateway serves publicly (its route table, methods from its OpenAPI document); fetched once. */
function gatewayOperations(): Promise<Operation[]> {
  return (operations ??= api('GET', '/api/v1/openapi.json').then((doc) => {
    assert.equal(doc.status, 200);
    return publicOperations(ROUTES, doc.body);
  }));
}

async function sign(claims: JWTPayload, opts: { sub: string; exp: string | number; iss?: string; aud?: string }): Promise<string> {
  const jwk = JSON.parse(stack.settings.jwtPrivateJwk) as { kid: string };
  const key = await importJWK(jwk, 'EdDSA');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid })
    .setSubject(opts.sub)
    .setIssuer(opts.iss ?? 'questline-auth')
    .setAudience(opts.aud ?? 'questline')
    .setIssuedAt()
    .setExpirationTime(opts.exp)
    .sign(key);
}

before(async () => {
  // Per-user limits would turn most of a long run into 429s that never reach the services.
  stack = await startTestStack({ name: 'fuzz', extraEnv: { gateway: { RATE_LIMIT_USER_MAX: '10000000' } } });
  api = apiClient(stack.gateway);
  const admin = (await api('POST', '/api/v1/auth/login', { body: stack.admin })).body;
  await api('POST', '/api/v1/auth/signup', { body: { username: 'fuzzer', password: 'a-good-password' } });
  const player = (await api('POST', '/api/v1/auth/login', { body: { username: 'fuzzer', password: 'a-good-password' } })).body;
  assert.ok(admin.accessToken && player.accessToken);
  adminId = admin.user.id;
  playerId = player.user.id;
  tokens.set('player', [player.accessToken]);
  tokens.set('admin', [admin.accessToken]);
  // API keys: every scope, one scope, and keys that are malformed, mistyped or unknown.
  const makeKey = async (scopes: string[]) => {
    const res = await api('POST', '/api/v1/admin/api-keys', { token: admin.accessToken, body: { name: 'fuzz', scopes } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.secret as string;
  };
  const everyScope = await makeKey(['events:write', 'users:write', 'users:read', 'catalog:write', 'webhooks:write']);
  tokens.set('api-key', [everyScope, await makeKey(['users:read']), `${everyScope.slice(0, -1)}${everyScope.endsWith('a') ? 'b' : 'a'}`, 'qlk_', `qlk_00000000_${'0'.repeat(43)}`, `qlk_${'x'.repeat(300)}`]);
  tokens.set('garbage', ['garbage', 'a.b.c', '...', 'eyJhbGciOiJub25lIn0', 'Bearer', '\u00ff'.repeat(3)]);
  tokens.set('random', ['x'.repeat(8000), '%00', 'eyJ' + 'A'.repeat(500) + '.eyJ.sig']);
  const nobody = '00000000-0000-4000-8000-000000000000';
  tokens.set('expired', [await sign({ role: 'admin', status: 'active', tz: 'UTC' }, { sub: adminId, exp: Math.floor(Date.now() / 1000) - 60 })]);
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  tokens.set('forged', [
    await new SignJWT({ role: 'admin', status: 'active', tz: 'UTC' }).setProtectedHeader({ alg: 'EdDSA', kid: 'forged' }).setSubject(adminId).setIssuer('questline-auth').setAudience('questline').setExpirationTime('5m').sign(privateKey),
  ]);
  const [h, p, s] = (player.accessToken as string).split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  tokens.set('tampered', [`${h}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')}.${s}`]);
  const none = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  tokens.set('alg-none', [`${none({ alg: 'none' })}.${none({ ...claims, role: 'admin' })}.`]);
  // Correctly signed, but with claims no real login produces: a user that does not exist, an odd
  // timezone, a non-uuid subject, an unknown role or status, the wrong audience.
  tokens.set('odd-claims', [
    await sign({ role: 'admin', status: 'active', tz: 'UTC' }, { sub: nobody, exp: '15m' }),
    await sign({ role: 'player', status: 'active', tz: 'UTC' }, { sub: nobody, exp: '15m' }),
    await sign({ role: 'player', status: 'active', tz: 'Mars/Olympus' }, { sub: playerId, exp: '15m' }),
    await sign({ role: 'admin', status: 'active', tz: '' }, { sub: adminId, exp: '15m' }),
    await sign({ role: 'player', status: 'banned', tz: 'UTC' }, { sub: playerId, exp: '15m' }),
    await sign({ role: 'player', status: 'new', tz: '\u0000😀' }, { sub: playerId, exp: '15m' }),
    await sign({ role: 'root', status: 'active', tz: 'UTC' }, { sub: adminId, exp: '15m' }),
    await sign({ role: 'admin', status: 'zombie', tz: 'UTC' }, { sub: adminId, exp: '15m' }),
    await sign({ role: 'admin', status: 'active', tz: 'UTC' }, { sub: "1' OR '1'='1", exp: '15m' }),
    await sign({ role: 'admin', status: 'active', tz: 'UTC' }, { sub: adminId, exp: '15m', aud: 'someone-else' }),
    await sign({ role: 'admin', status: 'active', tz: 'UTC' }, { sub: adminId, exp: '15m', iss: 'evil' }),
  ]);
});

after(async () => {
  await stack?.close();
});

test('every public route of the gateway has a fuzz generator', async () => {
  const served = await gatewayOperations();
  assert.ok(served.length >= ROUTES.length);
  assert.deepEqual(unfuzzedOperations(served, endpoints), [], 'add these to `endpoints` in tests/fuzz-support.ts');
});

interface Req {
  endpoint: Endpoint;
  token: TokenKind;
  tokenIndex: number;
  param: ParamKind;
  query: string;
  body: BodySpec | undefined;
  requestId: string | null;
  headers: Record<string, string> | null;
}

const requests: fc.Arbitrary<Req> = fc.constantFrom(...endpoints).chain((endpoint) =>
  fc.record({
    endpoint: fc.constant(endpoint),
    token: tokenKinds,
    tokenIndex: fc.nat(20),
    param: pathParam,
    query: endpoint.list ? queryString : fc.oneof({ weight: 4, arbitrary: fc.constant('') }, queryString),
    body: endpoint.method === 'GET' ? fc.constant(undefined) : bodyFor(endpoint.fields, endpoint.example),
    requestId: requestIdHeader,
    headers: fc.option(extraHeaders, { freq: 4 }),
  }),
);

function describeReq(r: Req, url: string): string {
  const body = r.body === undefined ? '' : r.body.kind === 'json' ? JSON.stringify(r.body.value) : r.body.text;
  return `${r.endpoint.method} ${url.slice(0, 300)} token=${r.token} body=${body.slice(0, 300)}${body.length > 300 ? `...(${body.length})` : ''}`;
}

const counts = new Map<string, { requests: number; statuses: Record<string, number> }>();
const violations: string[] = [];

async function send(r: Req): Promise<void> {
  const param = r.param.kind === 'real-user' ? playerId : r.param.kind === 'admin-user' ? adminId : r.param.text;
  const url = r.endpoint.path.replaceAll('{p}', param) + (r.query ? `?${r.query}` : '');
  const headers: Record<string, string> = { ...r.headers };
  if (r.token === 'not-bearer') headers.authorization = `Basic ${Buffer.from('a:b').toString('base64')}`;
  else if (r.token !== 'none') {
    const list = tokens.get(r.token)!;
    headers.authorization = `Bearer ${list[r.tokenIndex % list.length]}`;
  }
  if (r.requestId !== null) headers['x-request-id'] = r.requestId;
  let body: string | undefined;
  if (r.body) {
    body = r.body.kind === 'json' ? (JSON.stringify(r.body.value) ?? 'null') : r.body.text;
    headers['content-type'] = r.body.kind === 'raw' && r.body.contentType ? r.body.contentType : 'application/json';
  }
  const what = describeReq(r, url);
  const entry = counts.get(r.endpoint.name) ?? { requests: 0, statuses: {} };
  counts.set(r.endpoint.name, entry);
  entry.requests++;
  let res: Response;
  try {
    res = await fetch(stack.gateway + url, { method: r.endpoint.method, headers, body });
  } catch (err) {
    // A body past the limit may be refused before it is fully sent; anything else is a finding.
    const cause = (err as { cause?: { code?: string } }).cause;
    if (body && body.length > 1024 * 1024 && ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'].includes(cause?.code ?? '')) return;
    violations.push(`${what} -> request failed: ${(err as Error).message} ${cause?.code ?? ''}`);
    return;
  }
  const text = await res.text();
  const rid = res.headers.get('x-request-id');
  const tally = (key: string) => {
    entry.statuses[key] = (entry.statuses[key] ?? 0) + 1;
  };
  const fail = (why: string) => {
    tally(`${res.status} (violation)`);
    violations.push(`${what} -> ${res.status} ${why}: ${text.slice(0, 300)}`);
  };
  if (res.status >= 500) return fail('server error');
  if (!rid) return fail('no x-request-id');
  if (res.status < 400) return tally(String(res.status));
  let parsed: { error?: { code?: unknown; message?: unknown; requestId?: unknown } };
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail('error body is not JSON');
  }
  const e = parsed.error;
  if (!e || typeof e.code !== 'string' || !/^[A-Z][A-Z_]*$/.test(e.code) || typeof e.message !== 'string') return fail('not the api.md error shape');
  if (e.requestId !== rid) return fail(`requestId ${String(e.requestId)} != header ${rid}`);
  tally(`${res.status} ${e.code}`);
}

test(`fuzzed requests (${fuzzRuns}, seed ${fuzzSeed}) get no 5xx and only api.md errors`, { timeout: 60 * 60_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(requests, async (r) => {
      await send(r);
    }),
    { numRuns: fuzzRuns, seed: fuzzSeed, endOnFailure: true },
  );
  const total = [...counts.values()].reduce((n, c) => n + c.requests, 0);
  if (fuzzReportPath) {
    const fiveXX = [...counts.values()].reduce((n, c) => n + Object.entries(c.statuses).filter(([s]) => Number(s.split(" ")[0]) >= 500).reduce((m, [, k]) => m + k, 0), 0);
    await writeFile(fuzzReportPath, JSON.stringify({ seed: fuzzSeed, runs: fuzzRuns, requests: total, fiveXX, violations, endpoints: Object.fromEntries(counts) }, null, 2));
  }
  assert.equal(total, fuzzRuns);
  assert.equal(counts.size, endpoints.length, 'every generator sent requests');
  const sent = endpoints.filter((e) => counts.get(e.name)?.requests);
  assert.deepEqual(unfuzzedOperations(await gatewayOperations(), sent), [], 'every public route of the gateway was fuzzed');
  assert.deepEqual(violations.slice(0, 20), [], `${violations.length} violations`);
});

test('every service still answers after the fuzzing', async () => {
  for (const url of Object.values(stack.urls)) {
    const res = await fetch(`${url}/healthz`);
    assert.equal(res.status, 200, url);
  }
  // A fresh user: the fuzzing may legitimately have banned or demoted 'fuzzer' through the admin routes.
  const creds = { username: 'after-fuzz.check', password: 'a-good-password' };
  assert.equal((await api('POST', '/api/v1/auth/signup', { body: creds })).status, 201);
  const login = await api('POST', '/api/v1/auth/login', { body: creds });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const me = await api('GET', '/api/v1/me', { token: login.body.accessToken });
  assert.equal(me.status, 200);
  assert.equal(me.body.user.username, creds.username);
  const adminLogin = await api('POST', '/api/v1/auth/login', { body: stack.admin });
  assert.equal(adminLogin.status, 200, 'the admin was not locked out or demoted');
  assert.equal(adminLogin.body.user.role, 'admin');
});
