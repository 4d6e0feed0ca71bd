import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { createTestDatabase, type TestDatabase } from '@questline/testkit';
import {
  createApp,
  createDatabase,
  decodeCursor,
  isUuid,
  optionalCaller,
  parseBearer,
  toPage,
  unnestColumns,
  userBanned,
  type App,
  type AuthUser,
  type Database,
  type TokenVerifier,
} from '../src/index.js';
import { sql } from 'kysely';

let app: App;
let tdb: TestDatabase;
let database: Database<unknown>;

before(async () => {
  ({ app } = await createApp({ service: 'test', logLevel: 'silent', trustProxy: 'false', internalOpenApi: false }));
  app.post(
    '/zone',
    { schema: { body: Type.Object({ timezone: Type.String({ format: 'iana-timezone' }) }, { additionalProperties: false }) } },
    async (req) => req.body,
  );
  app.get('/zone', { schema: { querystring: Type.Object({ timezone: Type.String({ format: 'iana-timezone' }) }) } }, async (req) => req.query);
  await app.ready();
  tdb = await createTestDatabase('platform_helpers');
  database = createDatabase<unknown>(tdb.url);
});
after(async () => {
  await app?.close();
  await database?.close();
  await tdb?.drop();
});

test("format 'iana-timezone': known zones pass, anything else is a 400 naming the field", async () => {
  for (const timezone of ['Europe/Paris', 'UTC', 'America/Argentina/Buenos_Aires']) {
    const res = await app.inject({ method: 'POST', url: '/zone', payload: { timezone } });
    assert.equal(res.statusCode, 200, timezone);
  }
  for (const timezone of ['Mars/Olympus', '+02:00', '', 'Europe/Paris; DROP']) {
    const res = await app.inject({ method: 'POST', url: '/zone', payload: { timezone } });
    assert.equal(res.statusCode, 400, timezone);
    assert.equal(res.json().error.code, 'VALIDATION_FAILED');
    assert.equal(res.json().error.field, 'timezone');
  }
  const query = await app.inject({ method: 'GET', url: '/zone?timezone=Nowhere%2FCity' });
  assert.equal(query.statusCode, 400);
  assert.equal(query.json().error.field, 'timezone');
});

test('toPage: limit + 1 rows make a page with a cursor of its last item; fewer end the list', () => {
  const rows = [{ k: 'a' }, { k: 'b' }, { k: 'c' }];
  const first = toPage(rows, 2, (r) => r.k);
  assert.deepEqual(first.items, [{ k: 'a' }, { k: 'b' }]);
  assert.equal(decodeCursor(first.nextCursor!, (v): v is string => typeof v === 'string'), 'b');
  assert.deepEqual(toPage(rows, 3, (r) => r.k), { items: rows, nextCursor: null });
});

test('parseBearer and isUuid', () => {
  assert.equal(parseBearer('Bearer abc.def'), 'abc.def');
  assert.equal(parseBearer('bearer   abc'), 'abc');
  for (const h of [undefined, '', 'Basic abc', 'Bearer', 'Bearer a b', 'Bearerabc']) assert.equal(parseBearer(h), undefined, String(h));
  assert.equal(isUuid('0190c3e4-8a9b-7cde-8f01-23456789abcd'), true);
  assert.equal(isUuid('0190C3E4-8A9B-7CDE-8F01-23456789ABCD'), true);
  for (const v of ['', 'not-a-uuid', '0190c3e4-8a9b-7cde-8f01-23456789abc', 42, null]) assert.equal(isUuid(v), false, String(v));
});

test('userBanned: the one refusal of a banned account', () => {
  const err = userBanned();
  assert.equal(err.code, 'USER_BANNED');
  assert.equal(err.statusCode, 403);
});

test('unnestColumns: many rows in one statement, typed per column, nulls kept', async () => {
  const { db } = database;
  await sql`CREATE TABLE unnest_t (id uuid, name text, n int, big bigint, day date, at timestamptz)`.execute(db);
  const rows = Array.from({ length: 3 }, (_, i) => ({
    id: `0190c3e4-8a9b-7cde-8f01-23456789abc${i}`,
    name: i === 1 ? null : `row ${i}`,
    n: i,
    big: 2 ** 40 + i,
    day: '2026-12-0' + (i + 1),
    at: new Date(Date.UTC(2026, 11, 1 + i)),
  }));
  const col = unnestColumns(rows);
  await sql`INSERT INTO unnest_t SELECT * FROM unnest(
    ${col('uuid', (r) => r.id)}, ${col('text', (r) => r.name)}, ${col('int', (r) => r.n)},
    ${col('bigint', (r) => r.big)}, ${col('date', (r) => r.day)}, ${col('timestamptz', (r) => r.at)})`.execute(db);
  const { rows: stored } = await sql<Record<string, unknown>>`SELECT * FROM unnest_t ORDER BY n`.execute(db);
  assert.deepEqual(stored, rows);
});

test('optionalCaller: a valid token is the caller; none, a bad one or a banned user count as no token', async () => {
  const users: Record<string, AuthUser> = {
    good: { id: '0190c3e4-8a9b-7cde-8f01-23456789abcd', role: 'admin', status: 'active', timezone: 'UTC' },
    banned: { id: '0190c3e4-8a9b-7cde-8f01-23456789abce', role: 'admin', status: 'banned', timezone: 'UTC' },
  };
  const verify: TokenVerifier = async (token) => {
    const user = users[token];
    if (!user) throw new Error('bad token');
    return user;
  };
  assert.deepEqual(await optionalCaller(verify, 'Bearer good'), users.good);
  for (const header of [undefined, 'Bearer banned', 'Bearer forged', 'Basic good']) {
    assert.equal(await optionalCaller(verify, header), undefined, String(header));
  }
});
