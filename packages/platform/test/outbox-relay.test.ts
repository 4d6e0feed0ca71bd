/**
 * The outbox relay against real PostgreSQL, on a small table with the conventional columns: leased
 * claims, delivery outside any transaction, retries with backoff, dead letters, released rows,
 * fencing of a relay whose lease ran out, several relays on one table, and stop().
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { createTestDatabase, eventually, type TestDatabase } from '@questline/testkit';
import { createMetrics } from '../src/metrics.js';
import { createOutboxRelayMetrics } from '../src/outbox-metrics.js';
import { sqlOutboxStore, type OutboxRowBase } from '../src/outbox-store.js';
import {
  createOutboxRelay,
  deadLetter,
  delivered,
  retryLater,
  type OutboxRelayOptions,
} from '../src/outbox-relay.js';

interface Row extends OutboxRowBase {
  topic: string;
  body: string;
  created_at: Date;
  delivered_at: Date | null;
  dead_at: Date | null;
  lease_until: Date | null;
  last_attempt_at: Date | null;
  next_attempt_at: Date;
  last_error: string | null;
}

const APP = 'outbox_relay_under_test';
let tdb: TestDatabase;
let pool: pg.Pool;
let db: Kysely<unknown>;
let look: pg.Pool;
const log = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;

before(async () => {
  tdb = await createTestDatabase('platform_outbox');
  // The relay's own pool, named so that pg_stat_activity can tell its sessions apart.
  pool = new pg.Pool({ connectionString: tdb.url, application_name: APP, max: 4 });
  db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  look = new pg.Pool({ connectionString: tdb.url, max: 3 });
  await look.query(`
    CREATE TABLE test_outbox (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      topic text NOT NULL,
      body text NOT NULL,
      attempts int NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      lease_until timestamptz,
      last_attempt_at timestamptz,
      delivered_at timestamptz,
      dead_at timestamptz,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )`);
});
after(async () => {
  await db?.destroy();
  await look?.end();
  await tdb?.drop();
});
beforeEach(async () => {
  await look.query('TRUNCATE test_outbox');
});

const insert = async (bodies: string[], topic = 'a') => {
  for (const body of bodies) await look.query('INSERT INTO test_outbox (topic, body) VALUES ($1, $2)', [topic, body]);
};
const rows = async () => (await look.query<Row>('SELECT * FROM test_outbox ORDER BY created_at')).rows;
const byBody = async (body: string) => (await look.query<Row>('SELECT * FROM test_outbox WHERE body = $1', [body])).rows[0]!;
const FAR = () => new Date(Date.now() + 3600_000);

function relayOf(deliver: OutboxRelayOptions<Row>['deliver'], extra: Partial<OutboxRelayOptions<Row>> = {}) {
  return createOutboxRelay<Row>({
    name: 'test',
    store: sqlOutboxStore<Row>(db, { table: 'test_outbox', createdColumn: 'created_at', filter: { column: 'topic', value: 'a' } }),
    deliver,
    batchSize: 10,
    pollMs: 3600_000,
    leaseMs: 30_000,
    backoff: { baseMs: 60_000, maxMs: 600_000 },
    log,
    ...extra,
  });
}

describe('outbox relay', () => {
  test('delivers due rows oldest first, in batches, and marks them delivered with the lease cleared', async () => {
    await insert(Array.from({ length: 25 }, (_, i) => `m${String(i).padStart(2, '0')}`));
    await insert(['other topic'], 'b');
    const seen: string[][] = [];
    const got: Row[] = [];
    const relay = relayOf(async (batch) => {
      seen.push(batch.map((r) => r.body));
      return batch.map(() => delivered);
    }, { onDelivered: (r) => got.push(...r) });
    const result = await relay.runOnce();
    assert.deepEqual(result, { claimed: 25, delivered: 25, failed: 0, dead: 0 });
    assert.deepEqual(seen.map((b) => b.length), [10, 10, 5]);
    assert.deepEqual(seen.flat(), Array.from({ length: 25 }, (_, i) => `m${String(i).padStart(2, '0')}`));
    assert.equal(got.length, 25);
    for (const r of (await rows()).filter((x) => x.topic === 'a')) {
      assert.ok(r.delivered_at);
      assert.equal(r.attempts, 1);
      assert.equal(r.lease_until, null);
      assert.ok(r.last_attempt_at && r.last_attempt_at <= r.delivered_at, 'the claim of the attempt is kept');
    }
    assert.equal((await byBody('other topic')).delivered_at, null, 'the filter keeps other rows out');
    assert.deepEqual(await relay.runOnce(), { claimed: 0, delivered: 0, failed: 0, dead: 0 });
  });

  test('no transaction is open and no row locked while delivering', async () => {
    await insert(['x', 'y']);
    const checks: Array<{ lockable: boolean; relaySessionsInTransaction: number }> = [];
    const relay = relayOf(async (batch) => {
      for (const row of batch) {
        let lockable = true;
        await look.query('SELECT id FROM test_outbox WHERE id = $1 FOR UPDATE NOWAIT', [row.id]).catch(() => (lockable = false));
        const { rows: [r] } = await look.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND xact_start IS NOT NULL`,
          [APP],
        );
        checks.push({ lockable, relaySessionsInTransaction: r!.n });
      }
      return batch.map(() => delivered);
    });
    await relay.runOnce();
    assert.deepEqual(checks, [
      { lockable: true, relaySessionsInTransaction: 0 },
      { lockable: true, relaySessionsInTransaction: 0 },
    ]);
    // The check itself can see a relay session in a transaction (so a zero above means something).
    const held = await pool.connect();
    try {
      await held.query('BEGIN');
      await held.query('SELECT 1');
      const { rows: [r] } = await look.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND xact_start IS NOT NULL`, [APP]);
      assert.equal(r!.n, 1);
      await held.query('ROLLBACK');
    } finally {
      held.release();
    }
  });

  test('a failure is retried after the backoff, with the error kept; not again in the same pass', async () => {
    await insert(['flaky']);
    let calls = 0;
    const relay = relayOf(async (batch) => batch.map(() => (++calls === 1 ? retryLater('peer said 503') : delivered)));
    assert.deepEqual(await relay.runOnce(), { claimed: 1, delivered: 0, failed: 1, dead: 0 });
    let r = await byBody('flaky');
    assert.equal(r.delivered_at, null);
    assert.equal(r.last_error, 'peer said 503');
    assert.equal(r.attempts, 1);
    assert.equal(r.lease_until, null);
    const waitS = (r.next_attempt_at.getTime() - Date.now()) / 1000;
    assert.ok(waitS > 30 && waitS <= 61, `next attempt in ${waitS} s (base 60 s, jitter up to 20 %)`);
    assert.deepEqual(await relay.runOnce(), { claimed: 0, delivered: 0, failed: 0, dead: 0 }, 'not due yet');
    assert.deepEqual(await relay.runOnce({ dueBy: FAR() }), { claimed: 1, delivered: 1, failed: 0, dead: 0 });
    r = await byBody('flaky');
    assert.ok(r.delivered_at);
    assert.equal(r.attempts, 2);
    assert.equal(r.last_error, null);
  });

  test('a throwing deliver counts as a retry for the batch', async () => {
    await insert(['t1', 't2']);
    const relay = relayOf(async () => {
      throw new Error('socket hang up');
    });
    assert.deepEqual(await relay.runOnce(), { claimed: 2, delivered: 0, failed: 2, dead: 0 });
    assert.deepEqual((await rows()).map((r) => [r.last_error, r.delivered_at, r.dead_at]), [
      ['socket hang up', null, null],
      ['socket hang up', null, null],
    ]);
  });

  test('a permanent refusal is dead-lettered: kept with its error, never claimed again, counted', async () => {
    await insert(['poison', 'fine']);
    const metrics = createMetrics('test');
    const relay = relayOf(async (batch) => batch.map((r) => (r.body === 'poison' ? deadLetter('HTTP 404: no such user') : delivered)), {
      metrics: createOutboxRelayMetrics(metrics),
    });
    assert.deepEqual(await relay.runOnce(), { claimed: 2, delivered: 1, failed: 0, dead: 1 });
    const r = await byBody('poison');
    assert.ok(r.dead_at);
    assert.equal(r.delivered_at, null);
    assert.equal(r.last_error, 'HTTP 404: no such user');
    assert.deepEqual(await relay.runOnce({ dueBy: FAR() }), { claimed: 0, delivered: 0, failed: 0, dead: 0 });
    const text = await metrics.registry.metrics();
    const value = (name: string) => Number(new RegExp(`^${name}\\{[^}]*relay="test"[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.equal(value('questline_outbox_dead'), 1);
    assert.equal(value('questline_outbox_backlog'), 0);
    assert.equal(value('questline_outbox_dead_lettered_total'), 1);
    assert.equal(value('questline_outbox_delivered_total'), 1);
    assert.equal(value('questline_outbox_attempts_total'), 2);
    assert.equal(value('questline_outbox_failures_total'), 1);
  });

  test('a row leased by a relay that died is left alone until the lease passes, then delivered', async () => {
    await insert(['held', 'short']);
    const store = sqlOutboxStore<Row>(db, { table: 'test_outbox', createdColumn: 'created_at' });
    // Two relays claimed a row each and were killed before settling it.
    const [heldRow] = await store.claim(1, 60_000);
    const [shortRow] = await store.claim(1, 300);
    assert.equal(heldRow!.body, 'held');
    assert.equal(shortRow!.body, 'short');
    const sent: string[] = [];
    const relay = relayOf(async (batch) => {
      sent.push(...batch.map((r) => r.body));
      return batch.map(() => delivered);
    });
    assert.equal((await relay.runOnce({ dueBy: FAR() })).claimed, 0, 'both leased');
    await eventually(async () => (await look.query('SELECT 1 FROM test_outbox WHERE body = $1 AND lease_until <= now()', ['short'])).rowCount === 1, 5000, 'the short lease to pass');
    await relay.runOnce();
    assert.deepEqual(sent, ['short']);
    assert.equal((await byBody('short')).attempts, 2, 'the dead relay\'s attempt counts');
    assert.equal((await byBody('held')).delivered_at, null);
  });

  test('a relay whose lease ran out cannot reschedule a row another relay claimed since; its delivery still counts', async () => {
    await insert(['r']);
    const store = sqlOutboxStore<Row>(db, { table: 'test_outbox', createdColumn: 'created_at' });
    const [slow] = await store.claim(1, 200);
    await eventually(async () => (await look.query('SELECT 1 FROM test_outbox WHERE lease_until <= now()')).rowCount === 1, 5000, 'the lease to pass');
    const [fast] = await store.claim(1, 60_000);
    assert.equal(fast!.attempts, 2);
    await store.settle([{ row: slow!, outcome: 'retry', error: 'late timeout', delayMs: 600_000 }]);
    let r = await byBody('r');
    assert.equal(r.last_error, null, 'the stale retry is ignored');
    assert.ok(r.lease_until, 'still leased by the second relay');
    await store.settle([{ row: slow!, outcome: 'delivered' }]);
    r = await byBody('r');
    assert.ok(r.delivered_at, 'the peer has it, whoever asked');
    await store.settle([{ row: fast!, outcome: 'dead', error: 'too late' }]);
    assert.equal((await byBody('r')).dead_at, null, 'a delivered row stays delivered');
  });

  test('a late settle of a row released and claimed again since (same attempt count) changes nothing', async () => {
    await insert(['aba']);
    const store = sqlOutboxStore<Row>(db, { table: 'test_outbox', createdColumn: 'created_at' });
    const [first] = await store.claim(1, 60_000);
    await store.settle([{ row: first!, outcome: 'released' }]);
    const [second] = await store.claim(1, 60_000);
    assert.equal(second!.attempts, first!.attempts, 'the release gave the attempt back: the same count again');
    // The first claimant settles the same row once more (a duplicate settle, or a late one).
    await store.settle([{ row: first!, outcome: 'released' }]);
    await store.settle([{ row: first!, outcome: 'retry', error: 'stale', delayMs: 600_000 }]);
    const r = await byBody('aba');
    assert.equal(r.attempts, second!.attempts, 'the second claim is still counted');
    assert.ok(r.lease_until, 'and still leased by it');
    assert.equal(r.last_error, null);
    await store.settle([{ row: second!, outcome: 'retry', error: 'its own', delayMs: 1000 }]);
    assert.equal((await byBody('aba')).last_error, 'its own', 'the current claimant settles');
  });

  test('rows the deliver left unattempted (past half the lease) are released, their attempt not counted', async () => {
    await insert(['done', 'skipped']);
    let aborted: boolean | undefined;
    const relay = relayOf(async (batch, { signal }) => {
      await new Promise((r) => setTimeout(r, 120));
      aborted = signal.aborted;
      return [delivered, undefined];
    }, { leaseMs: 200 });
    const result = await relay.runOnce();
    assert.equal(aborted, true, 'the signal fires at half the lease');
    assert.deepEqual(result, { claimed: 2, delivered: 1, failed: 0, dead: 0 });
    const r = await byBody('skipped');
    assert.equal(r.attempts, 0);
    assert.equal(r.lease_until, null);
    assert.equal(r.last_error, null);
    assert.equal((await relay.runOnce()).delivered, 1, 'due again at once');
  });

  test('stop() aborts the batch in flight: it waits for the request already sent, not for the rest', async () => {
    await insert(['sent', 'not yet']);
    let entered!: () => void;
    const inDelivery = new Promise<void>((r) => (entered = r));
    const relay = relayOf(async (_batch, { signal }) => {
      entered();
      // The first request is on its way; the rows after it start only while the signal allows.
      await new Promise((r) => setTimeout(r, 50));
      return [delivered, signal.aborted ? undefined : delivered];
    });
    const pass = relay.runOnce();
    await inDelivery;
    await relay.stop();
    assert.deepEqual(await pass, { claimed: 2, delivered: 1, failed: 0, dead: 0 });
    assert.ok((await byBody('sent')).delivered_at);
    const rest = await byBody('not yet');
    assert.equal(rest.delivered_at, null);
    assert.equal(rest.attempts, 0, 'released, its attempt not counted');
    assert.equal(rest.lease_until, null, 'free for the next relay at once');
  });

  test('several relays on one table send every row exactly once', async () => {
    await insert(Array.from({ length: 60 }, (_, i) => `row${i}`));
    const sent: string[] = [];
    const deliver = async (batch: Row[]) => {
      sent.push(...batch.map((r) => r.body));
      await new Promise((r) => setTimeout(r, 5));
      return batch.map(() => delivered);
    };
    await Promise.all([relayOf(deliver).runOnce(), relayOf(deliver).runOnce(), relayOf(deliver).runOnce()]);
    assert.equal(sent.length, 60);
    assert.equal(new Set(sent).size, 60);
  });

  test('stop() waits for the delivery in flight, and nothing starts after it', async () => {
    await insert(['in flight']);
    let release!: () => void;
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const relay = relayOf(async (batch) => {
      entered();
      await new Promise<void>((r) => (release = r));
      return batch.map(() => delivered);
    });
    relay.nudge();
    await inside;
    let stopped = false;
    const stopping = relay.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(stopped, false, 'still delivering');
    release();
    await stopping;
    assert.ok((await byBody('in flight')).delivered_at, 'settled before stop() resolved');
    await insert(['after stop']);
    relay.nudge();
    relay.start();
    assert.equal((await byBody('after stop')).attempts, 0);
  });
});
