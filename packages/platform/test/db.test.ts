/**
 * Regression (found by the chaos run, issue 9): a PostgreSQL restart terminated a connection that
 * was checked out of the pool (inside a transaction or between queries); pg then emits 'error' on
 * the client, which the pool only listens to while the client is idle, and the process crashed.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { createTestDatabase, type TestDatabase } from '@questline/testkit';
import { createDatabase, type Database } from '../src/db.js';

let tdb: TestDatabase;
let database: Database<unknown>;

after(async () => {
  await database?.close();
  await tdb?.drop();
});

test('a checked-out connection terminated by the server does not crash the process; the pool recovers', async () => {
  tdb = await createTestDatabase('platform_db');
  database = createDatabase<unknown>(tdb.url);
  const client = await database.pool.connect();
  const pid = Number((await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
  const stream = (client as unknown as { connection: { stream: Socket } }).connection.stream;
  const closed = new Promise((resolve) => stream.once('close', resolve));

  // What a PostgreSQL shutdown does to every backend: FATAL 57P01, then the socket closes.
  const killed = await database.pool.query('SELECT pg_terminate_backend($1) AS ok', [pid]);
  assert.equal(killed.rows[0].ok, true);
  await closed;
  await new Promise((resolve) => setImmediate(resolve));

  // Still alive (an unhandled 'error' event would have failed this test); the dead client is
  // discarded on release and the next query gets a fresh connection.
  client.release();
  const after = await database.pool.query('SELECT 1 AS one');
  assert.equal(after.rows[0].one, 1);
});
