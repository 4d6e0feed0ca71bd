/**
 * Building blocks for the API fuzz suite (tests/fuzz-api.test.ts): how many requests to send, the
 * seed, the public endpoints the gateway serves, fast-check generators for hostile input, and the
 * check that no public route lacks a generator. FUZZ_RUNS and FUZZ_SEED are read here only, so
 * `npm test` (small share) and `npm run fuzz` (full run) differ by environment alone.
 */
import fc from 'fast-check';

/** Requests per run: a small share inside `npm test`, ≥ 10,000 in the full run (bench/fuzz/run.ts). */
export const fuzzRuns = positiveInt(process.env.FUZZ_RUNS, 400);
/** Fixed so that a failure is reproducible with the same seed and number of runs. */
export const fuzzSeed = positiveInt(process.env.FUZZ_SEED, 20261125);
/** Where the run writes its per-endpoint figures (JSON), when set. */
export const fuzzReportPath = process.env.FUZZ_REPORT;

function positiveInt(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return raw && Number.isInteger(n) && n > 0 ? n : fallback;
}

export type Access = 'anyone' | 'user' | 'admin';

export interface Endpoint {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `{p}` is replaced by a fuzzed path parameter. */
  path: string;
  access: Access;
  /** Top-level body fields from api.md, so that some bodies get past the shape into per-field checks. */
  fields?: string[];
  /** A valid body: mutated one field at a time, so that requests reach the domain and SQL. */
  example?: Record<string, unknown>;
  list?: boolean;
}

const QUEST_FIELDS = ['key', 'name', 'description', 'tags', 'objective', 'rewardId', 'autoClaim', 'maxCompletions', 'repeat', 'startsAt', 'endsAt', 'prerequisites'];
const REWARD_FIELDS = ['name', 'items', 'xp', 'badge'];

/**
 * Every public endpoint of the gateway's route table (and the gateway's own), plus routes that do not
 * exist. The test fails when a route of the table has no entry here: see `unfuzzedOperations`.
 */
export const endpoints: Endpoint[] = [
  { name: 'POST /auth/signup', method: 'POST', path: '/api/v1/auth/signup', access: 'anyone', fields: ['username', 'password', 'timezone'], example: { username: 'fuzz.user', password: 'a-good-password', timezone: 'Europe/Paris' } },
  { name: 'POST /auth/login', method: 'POST', path: '/api/v1/auth/login', access: 'anyone', fields: ['username', 'password'], example: { username: 'fuzzer', password: 'a-good-password' } },
  { name: 'POST /auth/refresh', method: 'POST', path: '/api/v1/auth/refresh', access: 'anyone', fields: ['refreshToken'], example: { refreshToken: 'x'.repeat(40) } },
  { name: 'POST /auth/logout', method: 'POST', path: '/api/v1/auth/logout', access: 'user', fields: ['refreshToken'], example: { refreshToken: 'x'.repeat(40) } },
  { name: 'GET /.well-known/jwks.json', method: 'GET', path: '/.well-known/jwks.json', access: 'anyone' },
  { name: 'GET /me', method: 'GET', path: '/api/v1/me', access: 'user' },
  { name: 'PATCH /me', method: 'PATCH', path: '/api/v1/me', access: 'user', fields: ['timezone'], example: { timezone: 'Asia/Tokyo' } },
  { name: 'GET /me/ledger', method: 'GET', path: '/api/v1/me/ledger', access: 'user', list: true },
  { name: 'POST /me/stream-tickets', method: 'POST', path: '/api/v1/me/stream-tickets', access: 'user' },
  { name: 'GET /admin/users', method: 'GET', path: '/api/v1/admin/users', access: 'admin', list: true },
  { name: 'GET /admin/users/{userId}', method: 'GET', path: '/api/v1/admin/users/{p}', access: 'admin' },
  { name: 'PATCH /admin/users/{userId}', method: 'PATCH', path: '/api/v1/admin/users/{p}', access: 'admin', fields: ['status', 'role'], example: { status: 'active', role: 'player' } },
  { name: 'POST /admin/users/{userId}/grants', method: 'POST', path: '/api/v1/admin/users/{p}/grants', access: 'admin', fields: ['currency', 'amount', 'reason', 'idempotencyKey'], example: { currency: 'gold', amount: 5, reason: 'fuzz', idempotencyKey: 'fuzz-1' } },
  { name: 'GET /admin/users/{userId}/ledger', method: 'GET', path: '/api/v1/admin/users/{p}/ledger', access: 'admin', list: true },
  { name: 'POST /admin/api-keys', method: 'POST', path: '/api/v1/admin/api-keys', access: 'admin', fields: ['name', 'scopes'], example: { name: 'fuzz key', scopes: ['users:read'] } },
  { name: 'GET /admin/api-keys', method: 'GET', path: '/api/v1/admin/api-keys', access: 'admin', list: true },
  { name: 'DELETE /admin/api-keys/{id}', method: 'DELETE', path: '/api/v1/admin/api-keys/{p}', access: 'admin' },
  { name: 'GET /admin/account-audit', method: 'GET', path: '/api/v1/admin/account-audit', access: 'admin', list: true },
  { name: 'GET /users/external/{externalId}', method: 'GET', path: '/api/v1/users/external/{p}', access: 'admin' },
  { name: 'PUT /users/external/{externalId}', method: 'PUT', path: '/api/v1/users/external/{p}', access: 'admin', fields: ['username', 'timezone'], example: { username: 'fuzz_ext', timezone: 'Europe/Paris' } },
  { name: 'POST /users/{userId}/sessions', method: 'POST', path: '/api/v1/users/{p}/sessions', access: 'admin', fields: ['ttlSeconds'], example: { ttlSeconds: 900 } },
  { name: 'POST /users/{userId}/debits', method: 'POST', path: '/api/v1/users/{p}/debits', access: 'admin', fields: ['currency', 'amount', 'reason', 'idempotencyKey'], example: { currency: 'gold', amount: 1, reason: 'fuzz', idempotencyKey: 'fuzz-debit-1' } },
  // The discard port on loopback (allowed by the test stack's dev keys): a test message is refused at once.
  { name: 'POST /admin/webhooks', method: 'POST', path: '/api/v1/admin/webhooks', access: 'admin', fields: ['url', 'events', 'description'], example: { url: 'http://127.0.0.1:9/hook', events: ['quest.completed', 'reward.granted'], description: 'fuzz' } },
  { name: 'GET /admin/webhooks', method: 'GET', path: '/api/v1/admin/webhooks', access: 'admin', list: true },
  { name: 'GET /admin/webhooks/{id}', method: 'GET', path: '/api/v1/admin/webhooks/{p}', access: 'admin' },
  { name: 'PATCH /admin/webhooks/{id}', method: 'PATCH', path: '/api/v1/admin/webhooks/{p}', access: 'admin', fields: ['url', 'events', 'enabled', 'description'], example: { url: 'http://127.0.0.1:9/other', events: ['user.banned'], enabled: false, description: 'fuzzed' } },
  { name: 'DELETE /admin/webhooks/{id}', method: 'DELETE', path: '/api/v1/admin/webhooks/{p}', access: 'admin' },
  { name: 'POST /admin/webhooks/{id}/rotate-secret', method: 'POST', path: '/api/v1/admin/webhooks/{p}/rotate-secret', access: 'admin' },
  { name: 'POST /admin/webhooks/{id}/test', method: 'POST', path: '/api/v1/admin/webhooks/{p}/test', access: 'admin' },
  { name: 'GET /admin/webhooks/{id}/deliveries', method: 'GET', path: '/api/v1/admin/webhooks/{p}/deliveries', access: 'admin', list: true },
  { name: 'POST /admin/webhooks/{id}/deliveries/{deliveryId}/retry', method: 'POST', path: '/api/v1/admin/webhooks/{p}/deliveries/{p}/retry', access: 'admin' },
  { name: 'GET /admin/event-types', method: 'GET', path: '/api/v1/admin/event-types', access: 'admin' },
  { name: 'PUT /admin/event-types/{type}', method: 'PUT', path: '/api/v1/admin/event-types/{p}', access: 'admin', fields: ['description', 'playerReportable', 'maxValue', 'playerDailyLimit'], example: { description: 'fuzz', playerReportable: true, maxValue: 10, playerDailyLimit: 5 } },
  { name: 'GET /quests', method: 'GET', path: '/api/v1/quests', access: 'anyone', list: true },
  { name: 'GET /quests/{key}', method: 'GET', path: '/api/v1/quests/{p}', access: 'anyone' },
  { name: 'GET /admin/quests', method: 'GET', path: '/api/v1/admin/quests', access: 'admin', list: true },
  { name: 'POST /admin/quests', method: 'POST', path: '/api/v1/admin/quests', access: 'admin', fields: QUEST_FIELDS, example: { key: 'fuzz-quest', name: 'Fuzz', description: 'd', tags: ['t'], objective: { event: 'login', mode: 'count', target: 1 }, rewardId: '00000000-0000-4000-8000-000000000001', autoClaim: true, maxCompletions: null, repeat: 'none', startsAt: null, endsAt: null, prerequisites: [] } },
  { name: 'PUT /admin/quests/{key}', method: 'PUT', path: '/api/v1/admin/quests/{p}', access: 'admin', fields: QUEST_FIELDS, example: { key: 'fuzz-quest', name: 'Fuzz', description: 'd', tags: ['t'], objective: { event: 'login', mode: 'count', target: 1 }, rewardId: '00000000-0000-4000-8000-000000000001', autoClaim: true, maxCompletions: null, repeat: 'none', startsAt: null, endsAt: null, prerequisites: [] } },
  { name: 'POST /admin/quests/{key}/publish', method: 'POST', path: '/api/v1/admin/quests/{p}/publish', access: 'admin' },
  { name: 'POST /admin/quests/{key}/archive', method: 'POST', path: '/api/v1/admin/quests/{p}/archive', access: 'admin' },
  { name: 'DELETE /admin/quests/{key}', method: 'DELETE', path: '/api/v1/admin/quests/{p}', access: 'admin' },
  { name: 'GET /rewards', method: 'GET', path: '/api/v1/rewards', access: 'anyone', list: true },
  { name: 'GET /rewards/{id}', method: 'GET', path: '/api/v1/rewards/{p}', access: 'anyone' },
  { name: 'POST /admin/rewards', method: 'POST', path: '/api/v1/admin/rewards', access: 'admin', fields: REWARD_FIELDS, example: { name: 'Fuzz reward', items: [{ currency: 'gold', amount: 1 }], xp: 1, badge: 'fuzz' } },
  { name: 'PUT /admin/rewards/{id}', method: 'PUT', path: '/api/v1/admin/rewards/{p}', access: 'admin', fields: REWARD_FIELDS, example: { name: 'Fuzz reward', items: [{ currency: 'gold', amount: 1 }], xp: 1, badge: 'fuzz' } },
  { name: 'DELETE /admin/rewards/{id}', method: 'DELETE', path: '/api/v1/admin/rewards/{p}', access: 'admin' },
  { name: 'GET /currencies', method: 'GET', path: '/api/v1/currencies', access: 'anyone', list: true },
  { name: 'POST /admin/currencies', method: 'POST', path: '/api/v1/admin/currencies', access: 'admin', fields: ['code', 'name'], example: { code: 'fuzzcoin', name: 'Fuzz coin' } },
  { name: 'GET /admin/audit', method: 'GET', path: '/api/v1/admin/audit', access: 'admin', list: true },
  { name: 'POST /events', method: 'POST', path: '/api/v1/events', access: 'user', fields: ['id', 'type', 'value', 'attributes', 'userId', 'externalUserId', 'timezone'], example: { id: 'fuzz-event', type: 'login', value: 1, attributes: { level: 'a' } } },
  { name: 'POST /admin/events', method: 'POST', path: '/api/v1/admin/events', access: 'admin', fields: ['events'], example: { events: [{ id: 'fuzz-admin-event', userId: '00000000-0000-4000-8000-000000000000', type: 'login', value: 1, attributes: { k: 'v' }, occurredAt: '2026-01-01T00:00:00Z' }] } },
  { name: 'GET /me/quests', method: 'GET', path: '/api/v1/me/quests', access: 'user' },
  { name: 'POST /me/quests/{key}/claim', method: 'POST', path: '/api/v1/me/quests/{p}/claim', access: 'user' },
  { name: 'GET /admin/users/{userId}/quests', method: 'GET', path: '/api/v1/admin/users/{p}/quests', access: 'admin' },
  { name: 'GET /openapi.json', method: 'GET', path: '/api/v1/openapi.json', access: 'anyone' },
  { name: 'PATCH /quests (wrong method)', method: 'PATCH', path: '/api/v1/quests', access: 'anyone', fields: ['key'] },
  { name: 'DELETE /me (wrong method)', method: 'DELETE', path: '/api/v1/me', access: 'user' },
  { name: 'unknown route', method: 'GET', path: '/api/v1/{p}', access: 'anyone' },
  { name: '/internal via gateway', method: 'POST', path: '/internal/{p}', access: 'anyone' },
];

/** Names the test fills in with real values once the stack runs (valid tokens, a real user id...). */
export type TokenKind = 'none' | 'player' | 'admin' | 'api-key' | 'garbage' | 'random' | 'expired' | 'forged' | 'tampered' | 'alg-none' | 'odd-claims' | 'not-bearer';
// Mostly valid tokens, so that most requests get past authentication into validation and the domain.
export const tokenKinds: fc.Arbitrary<TokenKind> = fc.constantFrom<TokenKind>(
  'none', 'player', 'player', 'player', 'player', 'player', 'player', 'admin', 'admin', 'admin', 'admin', 'admin', 'admin', 'admin', 'admin', 'api-key', 'api-key', 'api-key', 'garbage', 'random', 'expired', 'forged', 'tampered', 'alg-none', 'odd-claims', 'not-bearer',
);

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const nastyChars = fc.constantFrom('\u0000', '😀', '👩‍👩‍👧', '\u202e', 'مرحبا', 'שלום', '\uFEFF', '\u200b', '\\', '"', "'", '%', '/', '..', '\n', '\r\n', 'ǅ', '🏳️‍🌈');
/** Strings with emoji, RTL marks, NUL, lone surrogates and plain text mixed. */
export const nastyString = fc.string({ unit: fc.oneof(fc.constantFrom('a', 'Z', '0', '_', '-', '.'), nastyChars, loneSurrogate, fc.string({ unit: 'binary', maxLength: 1 })), maxLength: 40 });
/**
 * `value` with a lone surrogate put into one of its strings or object keys (the `pick`-th, at any
 * depth; keys too): valid but for that, so that the request gets past the schema to where such a
 * string would reach SQL (PostgreSQL's json refuses it, text columns would store U+FFFD).
 */
export function withLoneSurrogate(value: unknown, pick: number, surrogate: string): unknown {
  let slots = 0;
  const count = (v: unknown): void => {
    if (typeof v === 'string') slots++;
    else if (Array.isArray(v)) v.forEach(count);
    else if (v !== null && typeof v === 'object') {
      for (const inner of Object.values(v)) {
        slots++; // its key
        count(inner);
      }
    }
  };
  count(value);
  if (slots === 0) return value;
  let target = pick % slots;
  const spoil = (s: string) => (target-- === 0 ? s.slice(0, 1) + surrogate + s.slice(1) : s);
  const copy = (v: unknown): unknown => {
    if (typeof v === 'string') return spoil(v);
    if (Array.isArray(v)) return v.map(copy);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, inner]) => [spoil(k), copy(inner)]));
    return v;
  };
  return copy(value);
}

/** Up to ~100 KB, sometimes just past a field's maximum. */
export const longString = fc.oneof(
  fc.integer({ min: 30, max: 300 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 1000, max: 100_000 }).map((n) => 'é'.repeat(n)),
);
export const hugeNumbers = fc.constantFrom(1e308, -1e308, -0, 2 ** 63, -(2 ** 63), 2 ** 53 + 1, -1, 0, 0.5, Number.MIN_VALUE, 2 ** 31, -(2 ** 31) - 1, 1e21);
const numberishStrings = fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e308', '9223372036854775808', '-0', '0x10', '', ' ', 'null', 'true', '[]', '{}');

export const scalar: fc.Arbitrary<unknown> = fc.oneof(nastyString, hugeNumbers, numberishStrings, fc.boolean(), fc.constant(null), fc.integer(), fc.double(), fc.uuid());

/** Any JSON value, sometimes nested. */
export const fuzzValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, scalar, longString, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(nastyString, tie('value'), { maxKeys: 4 })),
})).value;

/** Raw JSON number literals that JSON.stringify can never produce. */
const rawNumber = fc.constantFrom('1e400', '-1e400', '-0', '9223372036854775808', '123456789012345678901234567890', '1E+2', '0.0000001', '-0.0');

export type BodySpec = { kind: 'json'; value: unknown } | { kind: 'raw'; text: string; contentType?: string };

function nested(depth: number, open: string, close: string, inner = '1'): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

/** A hostile body for an endpoint that documents `fields`. */
export function bodyFor(fields: string[] | undefined, example?: Record<string, unknown>): fc.Arbitrary<BodySpec | undefined> {
  const known = fields && fields.length ? fields : ['x'];
  // The valid example with one field replaced, removed or added (or left as is).
  const mutated = example
    ? fc
        .tuple(fc.constantFrom(...Object.keys(example), ...known), fc.constantFrom('replace', 'replace', 'remove', 'keep'), fuzzValue)
        .map(([k, how, v]): BodySpec => {
          const copy: Record<string, unknown> = { ...example };
          if (how === 'replace') copy[k] = v;
          else if (how === 'remove') delete copy[k];
          return { kind: 'json', value: copy };
        })
    : fc.constant<BodySpec | undefined>(undefined);
  // The valid example with a lone surrogate in one of its strings or keys.
  const surrogateInExample = example
    ? fc.tuple(fc.nat(), loneSurrogate).map(([pick, surrogate]): BodySpec => ({ kind: 'json', value: withLoneSurrogate(example, pick, surrogate) }))
    : fc.constant<BodySpec | undefined>(undefined);
  const fieldObject = fc
    .uniqueArray(fc.oneof(fc.constantFrom(...known), fc.constantFrom(...known), nastyString), { maxLength: 6 })
    .chain((keys) => fc.tuple(...keys.map((k) => fc.tuple(fc.constant(k), fuzzValue))))
    .map((pairs) => Object.fromEntries(pairs));
  return fc.oneof(
    { weight: example ? 6 : 0, arbitrary: mutated },
    { weight: example ? 2 : 0, arbitrary: surrogateInExample },
    { weight: 6, arbitrary: fieldObject.map((value): BodySpec => ({ kind: 'json', value })) },
    { weight: 2, arbitrary: fuzzValue.map((value): BodySpec => ({ kind: 'json', value })) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...known), rawNumber)
        .map(([k, n]): BodySpec => ({ kind: 'raw', text: `{${JSON.stringify(k)}: ${n}}` })),
    },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.constantFrom('{', '[', '{"a":', '{"a" 1}', 'null', '""', '0', "{'a':1}", '{"a":1,}', '\u0000', '{"a":"\\ud800"}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', ''),
        fc.string({ maxLength: 50 }),
        fieldObject.map((o) => JSON.stringify(o).slice(0, -1)),
      ).map((text): BodySpec => ({ kind: 'raw', text })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 50, max: 20_000 }), fc.constantFrom(['[', ']'], ['{"a":', '}']), fc.constantFrom(...known))
        .map(([d, [o, c], k]): BodySpec => ({ kind: 'raw', text: `{${JSON.stringify(k)}:${nested(d, o!, c!)}}` })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data', 'application/jsonx'), fieldObject)
        .map(([contentType, o]): BodySpec => ({ kind: 'raw', text: JSON.stringify(o), contentType })),
    },
    // Rarely, past the 1 MiB limit.
    { weight: 1, arbitrary: fc.constantFrom(1_100_000, 600_000).map((n): BodySpec => ({ kind: 'raw', text: JSON.stringify({ [known[0]!]: 'a'.repeat(n) }) })) },
  );
}

/** encodeURIComponent that survives lone surrogates (which it refuses). */
export function encodeSegment(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '\ufffd'));
  }
}

export type ParamKind = { kind: 'real-user' } | { kind: 'admin-user' } | { kind: 'raw'; text: string };
/** Path parameters: real and random ids, seeded quest keys, and broken segments sent unencoded. */
export const pathParam: fc.Arbitrary<ParamKind> = fc.oneof(
  fc.constant<ParamKind>({ kind: 'real-user' }),
  fc.constantFrom('daily-login', 'sign-in-three-times', 'fuzz-quest').map((text): ParamKind => ({ kind: 'raw', text })),
  fc.uuid().map((text): ParamKind => ({ kind: 'raw', text })),
  fc
    .constantFrom('..', '.', '%2F', 'a%2Fb', '..%2F..%2Finternal', '%00', '%', '%zz', '%ff%fe', '%ED%A0%80', '9'.repeat(400), 'a'.repeat(5000), '-1', '0', '1e308', 'NaN', 'null', 'undefined', '%20', '%F0%9F%98%80', 'x?y=1', 'x#frag', '00000000-0000-0000-0000-000000000000', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF')
    .map((text): ParamKind => ({ kind: 'raw', text })),
  fc.oneof(nastyString, longString).map((s): ParamKind => ({ kind: 'raw', text: encodeSegment(s) })),
);

const limitValues = fc.constantFrom('-1', '0', '1', '50', '200', '201', 'abc', '1e308', '', '2.5', '9999999999999999999', 'NaN', '0x10', '%00', '１');
const cursorValues = fc.oneof(
  fc.constantFrom('', 'garbage', 'null', '%00', 'eyJ9', 'e30', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[1,2]').toString('base64url'), Buffer.from('{"k":"x","id":"not-a-uuid"}').toString('base64url')),
  fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v) ?? '').toString('base64url')),
  fc.tuple(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), fc.integer()).map((t) => Buffer.from(JSON.stringify(t)).toString('base64url')),
  nastyString.map(encodeSegment),
  longString.map(encodeSegment),
);
/** Query strings for list endpoints, plus a stray parameter anywhere. */
const oneParam = fc.oneof(
  limitValues.map((v) => `limit=${v}`),
  cursorValues.map((v) => `cursor=${v}`),
  fc.constantFrom('daily', 'x', '', '%00').map((v) => `tag=${v}`),
  fc.constantFrom('login', 'x', '').map((v) => `event=${v}`),
  // The audit trail's filters (GET /admin/audit); elsewhere they are stray parameters.
  fc.constantFrom('quest', 'reward', 'currency', 'user', '', 'QUEST').map((v) => `entity=${v}`),
  fc.oneof(fc.constantFrom('daily-login', 'gold', ''), nastyString.map(encodeSegment), longString.map(encodeSegment)).map((v) => `entityKey=${v}`),
  fc.tuple(limitValues, cursorValues).map(([l, c]) => `limit=${l}&cursor=${c}`),
);
export const queryString: fc.Arbitrary<string> = fc.oneof(oneParam, oneParam, fc
  .record(
    {
      limit: limitValues,
      cursor: cursorValues,
      tag: nastyString.map(encodeSegment),
      event: nastyString.map(encodeSegment),
      entity: fc.constantFrom('quest', 'reward', 'currency', 'x'),
      entityKey: nastyString.map(encodeSegment),
      dup: fc.constant('limit=1&limit=2'),
      stray: fc.tuple(nastyString, nastyString).map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`),
    },
    { requiredKeys: [] },
  )
  .map((q) =>
    Object.entries(q)
      .map(([k, v]) => (k === 'dup' || k === 'stray' ? v : `${k}=${v}`))
      .join('&'),
  ));

/** x-request-id values a client may send (headers must stay byte strings, fetch refuses others). */
export const requestIdHeader = fc.option(fc.oneof(fc.string({ unit: 'binary-ascii', maxLength: 300 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')), fc.constantFrom('trace-1', '', ' ', 'a'.repeat(1000))), { freq: 4 });

const headerText = fc.string({ unit: 'binary-ascii', maxLength: 200 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));
/** Other request headers a hostile client controls: caching, proxies, encodings, languages. */
export const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'if-none-match': fc.oneof(headerText, fc.constantFrom('*', 'W/"x"', '"', '""', 'W/', '"a", "b"')),
    'x-forwarded-for': fc.oneof(headerText, fc.constantFrom('1.2.3.4, 5.6.7.8', '::1', '999.999.999.999', 'unknown', ', ,')),
    accept: fc.oneof(headerText, fc.constantFrom('text/html', '*/*', 'application/xml', '')),
    'accept-encoding': fc.oneof(headerText, fc.constantFrom('gzip', 'br', 'identity;q=0', '*;q=0')),
    'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'bogus'),
    'accept-language': headerText,
    'x-questline-signature': headerText,
  },
  { requiredKeys: [] },
);

/** A path with its parameters written `{p}`, the way the generators above write them. */
export function pathShape(path: string): string {
  return path.replace(/:\w+|\{\w+\}/g, '{p}');
}

/** One (method, path) the gateway serves publicly; method '*' when the OpenAPI document hides the path. */
export interface Operation {
  method: string;
  path: string;
}

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * The (method, path) pairs the gateway serves publicly. The gateway's route table has the paths (it
 * proxies every method of a listed path); which methods answer is the owning service's business, so
 * they come from the OpenAPI document the gateway serves. A path the document hides (the JWKS) is
 * one operation of any method.
 */
export function publicOperations(routes: { url: string }[], openapi: { paths?: Record<string, Record<string, unknown>> }): Operation[] {
  const documented = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(openapi.paths ?? {})) {
    const methods = Object.keys(ops).map((m) => m.toUpperCase()).filter((m) => HTTP_METHODS.includes(m));
    documented.set(pathShape(path), [...(documented.get(pathShape(path)) ?? []), ...methods]);
  }
  return routes.flatMap(({ url }) => {
    const methods = documented.get(pathShape(url)) ?? [];
    return methods.length ? methods.map((method) => ({ method, path: url })) : [{ method: '*', path: url }];
  });
}

/** The operations that no endpoint in `fuzzed` covers, as "METHOD path". */
export function unfuzzedOperations(operations: Operation[], fuzzed: Pick<Endpoint, 'method' | 'path'>[]): string[] {
  return operations
    .filter((op) => !fuzzed.some((e) => pathShape(e.path) === pathShape(op.path) && (op.method === '*' || e.method === op.method)))
    .map((op) => `${op.method === '*' ? 'any method' : op.method} ${op.path}`);
}
