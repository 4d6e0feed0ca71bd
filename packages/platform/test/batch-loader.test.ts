import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBatchLoader } from '../src/index.js';

/** A store whose queries the test releases one by one, recording the keys each carried. */
function manualStore() {
  const data = new Map<string, number>([['a', 1], ['b', 2], ['c', 3]]);
  const queries: Array<{ keys: string[]; release: () => void; fail: (e: Error) => void }> = [];
  const loadMany = (keys: string[]) =>
    new Promise<Map<string, number>>((resolve, reject) => {
      queries.push({ keys, release: () => resolve(new Map(keys.filter((k) => data.has(k)).map((k) => [k, data.get(k)!]))), fail: reject });
    });
  return { data, queries, loadMany };
}

const tick = () => new Promise((r) => setImmediate(r));

test('alone, a lookup is its own query at once; lookups that arrive while queries run go together, each key once', async () => {
  const store = manualStore();
  const load = createBatchLoader(store.loadMany, { maxInFlight: 1, maxBatch: 10 });
  const first = load('a');
  assert.deepEqual(store.queries.map((q) => q.keys), [['a']]);
  const rest = [load('b'), load('c'), load('b'), load('zzz')];
  assert.equal(store.queries.length, 1, 'the others wait for the running query');
  store.queries[0]!.release();
  assert.equal(await first, 1);
  await tick();
  assert.deepEqual(store.queries[1]!.keys, ['b', 'c', 'zzz']);
  store.queries[1]!.release();
  assert.deepEqual(await Promise.all(rest), [2, 3, 2, undefined]);
});

test('a lookup never takes the answer of a query that started before it was asked', async () => {
  const store = manualStore();
  const load = createBatchLoader(store.loadMany, { maxInFlight: 1, maxBatch: 10 });
  const early = load('a');
  store.data.set('a', 10); // changed after the first query started
  const late = load('a');
  store.queries[0]!.release();
  await early;
  await tick();
  assert.equal(store.queries.length, 2, 'the late lookup made a query of its own');
  store.data.set('a', 11);
  store.queries[1]!.release();
  assert.equal(await late, 11);
});

test('at most maxInFlight queries and maxBatch keys each; a failed query fails only its lookups', async () => {
  const store = manualStore();
  const load = createBatchLoader(store.loadMany, { maxInFlight: 2, maxBatch: 2 });
  const lookups = ['a', 'b', 'c', 'a', 'b'].map((k) => load(k));
  assert.deepEqual(store.queries.map((q) => q.keys), [['a'], ['b']]);
  store.queries[0]!.fail(new Error('connection lost'));
  await assert.rejects(lookups[0]!, /connection lost/);
  await tick();
  assert.deepEqual(store.queries[2]!.keys, ['c', 'a']);
  store.queries[1]!.release();
  store.queries[2]!.release();
  await tick();
  store.queries[3]!.release();
  assert.deepEqual(await Promise.all(lookups.slice(1)), [2, 3, 1, 2]);
});
