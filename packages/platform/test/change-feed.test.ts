/**
 * Change notices across replicas through one database's LISTEN/NOTIFY (change-feed.ts), on a real
 * PostgreSQL: what one publisher sends reaches every listener (two "replicas") for the users they
 * subscribed, a batch larger than one NOTIFY payload arrives whole, and a listener whose
 * connection is killed tells its subscribers (a gap) and listens again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createTestDatabase, eventually, type TestDatabase } from '@questline/testkit';
import { createChangeListener, createChangePublisher, payloadsOf, type ChangeListener, type ChangeNotice, type ChangePublisher } from '../src/change-feed.js';

const CHANNEL = 'test_changes';
const log = { warn: () => undefined, info: () => undefined };
let tdb: TestDatabase;
let publisher: ChangePublisher;
let a: ChangeListener;
let b: ChangeListener;

before(async () => {
  tdb = await createTestDatabase('platform_change_feed');
  publisher = createChangePublisher(tdb.url, CHANNEL, log);
  a = createChangeListener(tdb.url, CHANNEL, log);
  b = createChangeListener(tdb.url, CHANNEL, log);
  await Promise.all([a.start(), b.start()]);
});

after(async () => {
  await publisher?.close();
  await a?.close();
  await b?.close();
  await tdb?.drop();
});

function collect(listener: ChangeListener, userId: string) {
  const got: ChangeNotice[] = [];
  let gaps = 0;
  const stop = listener.subscribe(userId, { onNotice: (n) => got.push(n), onGap: () => gaps++ });
  return { got, gaps: () => gaps, stop };
}

test('a notice reaches the subscribers of its user on every listener, and no one else', async () => {
  assert.ok(a.listening && b.listening);
  const onA = collect(a, 'u1');
  const onB = collect(b, 'u1');
  const other = collect(b, 'u2');
  publisher.publish({ u: 'u1', q: ['daily'] });
  await publisher.flush();
  await eventually(async () => (onA.got.length === 1 && onB.got.length === 1 ? true : undefined), 5_000, 'both listeners');
  assert.deepEqual(onA.got[0], { u: 'u1', q: ['daily'] });
  assert.equal(other.got.length, 0);
  assert.equal(a.subscribers, 1);
  onA.stop();
  onA.stop();
  assert.equal(a.subscribers, 0, 'unsubscribing twice counts once');
  onB.stop();
  other.stop();
});

test('notices published in one turn of the event loop leave in one NOTIFY payload, not the first alone', async () => {
  const raw = new pg.Client({ connectionString: tdb.url });
  await raw.connect();
  try {
    const payloads: string[] = [];
    raw.on('notification', (n) => {
      if (n.channel === CHANNEL && n.payload?.includes('turn-')) payloads.push(n.payload);
    });
    await raw.query(`LISTEN ${CHANNEL}`);
    for (const u of ['turn-1', 'turn-2', 'turn-3']) publisher.publish({ u });
    await publisher.flush();
    await eventually(async () => (payloads.length > 0 ? true : undefined), 5_000, 'the notification');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(payloads.map((p) => (JSON.parse(p) as ChangeNotice[]).map((n) => n.u)), [['turn-1', 'turn-2', 'turn-3']]);
  } finally {
    await raw.end();
  }
});

// The race close() now also covers (a notice queued in the gap between a drain's last loop and its
// end, which starts another drain after the turn) is a microtask wide; this checks the behaviour around it.
test('close() sends what was queued, ignores notices after it, and leaves no connection open', async () => {
  const raw = new pg.Client({ connectionString: tdb.url });
  await raw.connect();
  try {
    const connections = async () =>
      Number((await raw.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'")).rows[0]!.n);
    const got: string[] = [];
    raw.on('notification', (n) => {
      if (n.channel === CHANNEL && n.payload?.includes('closing-')) got.push(...(JSON.parse(n.payload) as ChangeNotice[]).map((x) => x.u));
    });
    await raw.query(`LISTEN ${CHANNEL}`);
    const before = await connections();
    const p = createChangePublisher(tdb.url, CHANNEL, log);
    p.publish({ u: 'closing-1' });
    // The first drain is under way (past its turn): this one is queued while it runs.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    p.publish({ u: 'closing-2' });
    await p.close();
    p.publish({ u: 'closing-3' });
    await eventually(async () => (got.length >= 2 ? true : undefined), 5_000, 'both notices');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(got, ['closing-1', 'closing-2'], 'both sent before close() returned; none after it');
    await eventually(async () => ((await connections()) === before ? true : undefined), 5_000, 'the publisher connection closed');
  } finally {
    await raw.end();
  }
});

test('toEveryone hands each subscriber of that listener a notice made for its user, and no other listener', async () => {
  const x = collect(a, 'x');
  const y1 = collect(a, 'y');
  const y2 = collect(a, 'y');
  const elsewhere = collect(b, 'x');
  a.toEveryone((u) => ({ u, q: [], all: true }));
  assert.deepEqual(x.got, [{ u: 'x', q: [], all: true }]);
  assert.deepEqual(y1.got, [{ u: 'y', q: [], all: true }]);
  assert.deepEqual(y2.got, y1.got);
  assert.equal(elsewhere.got.length, 0);
  for (const s of [x, y1, y2, elsewhere]) s.stop();
});

test('toEveryone with spreadMs hands each notice later, within the spread; a feed gone meanwhile gets none', async () => {
  const stays = collect(a, 's1');
  const leaves = collect(a, 's2');
  a.toEveryone((u) => ({ u, q: [], all: true }), { spreadMs: 200 });
  leaves.stop();
  await eventually(async () => (stays.got.length === 1 ? true : undefined), 5_000, 'the spread notice');
  await new Promise((r) => setTimeout(r, 250));
  assert.deepEqual(stays.got, [{ u: 's1', q: [], all: true }]);
  assert.equal(leaves.got.length, 0);
  stays.stop();
});

test('a burst larger than one NOTIFY payload is split and arrives whole, in order', async () => {
  const sub = collect(a, 'burst');
  const notices = Array.from({ length: 600 }, (_, i) => ({ u: 'burst', q: [`quest-${i}-${'x'.repeat(20)}`] }));
  assert.ok(payloadsOf(notices).length > 1, 'the burst needs several payloads');
  for (const p of payloadsOf(notices)) assert.ok(Buffer.byteLength(p) < 8000);
  for (const n of notices) publisher.publish(n);
  await publisher.flush();
  await eventually(async () => (sub.got.length === notices.length ? true : undefined), 5_000, 'every notice');
  assert.deepEqual(sub.got, notices);
  sub.stop();
});

test('a killed listening connection is a gap for its subscribers, and the listener listens again', async () => {
  const sub = collect(a, 'gap');
  const admin = new pg.Client({ connectionString: tdb.url });
  await admin.connect();
  try {
    // Both listeners' sessions are LISTEN-ing; kill them all (b must come back as well).
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`);
  } finally {
    await admin.end();
  }
  await eventually(async () => (sub.gaps() === 1 ? true : undefined), 5_000, 'the gap');
  await eventually(async () => (a.listening && b.listening ? true : undefined), 10_000, 'listening again');
  publisher.publish({ u: 'gap', q: ['after'] });
  await publisher.flush();
  await eventually(async () => (sub.got.length === 1 ? true : undefined), 5_000, 'a notice after the reconnect');
  sub.stop();
});
