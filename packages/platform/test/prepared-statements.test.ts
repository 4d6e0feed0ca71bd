import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '@questline/testkit';
import { createDatabase, prepared, type Database } from '../src/db.js';

// prepared(): a marked statement is named once per connection and later runs send only its
// parameters; unmarked statements stay unnamed. Read off the connection's pg_prepared_statements.
let tdb: TestDatabase;
let database: Database<unknown>;

before(async () => {
  tdb = await createTestDatabase('platform_prepared');
  // One connection: every statement below runs on the connection whose statements are listed.
  database = createDatabase<unknown>(tdb.url, { max: 1 });
});
after(async () => {
  await database?.close();
  await tdb?.drop();
});

const namedStatements = async () =>
  (await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements ORDER BY name`.execute(database.db)).rows;

test('a marked statement is prepared once on its connection and answers with its parameters each time', async () => {
  const double = (n: number) => prepared(sql<{ twice: number }>`SELECT ${n}::int * 2 AS twice`);
  assert.deepEqual((await double(2).execute(database.db)).rows, [{ twice: 4 }]);
  assert.deepEqual((await double(21).execute(database.db)).rows, [{ twice: 42 }]);
  await sql`SELECT ${1}::int AS unmarked`.execute(database.db);
  const named = await namedStatements();
  assert.equal(named.length, 1, JSON.stringify(named));
  assert.match(named[0]!.statement, /^\/\*prepared\*\/ SELECT \$1::int \* 2 AS twice$/);
});

test('inside a transaction, and an error in a prepared statement leaves the connection usable', async () => {
  const lookup = (id: number) => prepared(sql<{ id: number }>`SELECT 10 / ${id}::int AS id`);
  await assert.rejects(database.db.transaction().execute(async (trx) => lookup(0).execute(trx)), /division by zero/);
  assert.deepEqual((await lookup(5).execute(database.db)).rows, [{ id: 2 }]);
  await database.db.transaction().execute(async (trx) => assert.deepEqual((await lookup(2).execute(trx)).rows, [{ id: 5 }]));
  assert.equal((await namedStatements()).length, 2);
});

test('a kept plan refused after a migration changed its result (0A000): that connection runs the statement unnamed from then on', async () => {
  await sql`CREATE TABLE plan_changes (a int)`.execute(database.db);
  await sql`INSERT INTO plan_changes VALUES (7)`.execute(database.db);
  const read = () => prepared(sql<{ a: unknown }>`SELECT a FROM plan_changes WHERE ${1}::int = 1`).execute(database.db);
  assert.deepEqual((await read()).rows, [{ a: 7 }]);
  await sql`ALTER TABLE plan_changes ALTER COLUMN a TYPE text`.execute(database.db);
  await assert.rejects(read(), (err: { code?: string }) => err.code === '0A000');
  assert.deepEqual((await read()).rows, [{ a: '7' }]);
  assert.deepEqual((await read()).rows, [{ a: '7' }]);
});
