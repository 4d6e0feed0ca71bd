import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { cached, ExpiringMemory, keyedSingleFlight, singleFlight } from '../src/single-flight.js';

/** A call that stays open until released, counting how often it was started. */
function gate<V>() {
  let calls = 0;
  let release!: (v: V) => void;
  let fail!: (e: Error) => void;
  const fn = (..._args: unknown[]) => {
    calls++;
    return new Promise<V>((resolve, reject) => {
      release = resolve;
      fail = reject;
    });
  };
  return { fn, calls: () => calls, release: (v: V) => release(v), fail: (e: Error) => fail(e) };
}

test('singleFlight: concurrent callers share one call; the next call after it settles starts anew', async () => {
  const g = gate<number>();
  const call = singleFlight(g.fn);
  const a = call();
  const b = call();
  assert.equal(g.calls(), 1);
  assert.equal(call.inFlight, a);
  g.release(7);
  assert.deepEqual(await Promise.all([a, b]), [7, 7]);
  assert.equal(call.inFlight, undefined);
  const c = call();
  assert.equal(g.calls(), 2);
  g.release(8);
  assert.equal(await c, 8);
});

test('singleFlight: a failure reaches every joined caller and is not remembered', async () => {
  const g = gate<number>();
  const call = singleFlight(g.fn);
  const joined = [call(), call()];
  g.fail(new Error('down'));
  for (const p of joined) await assert.rejects(p, /down/);
  const again = call();
  assert.equal(g.calls(), 2);
  g.release(1);
  assert.equal(await again, 1);
});

test('singleFlight with holdMs 0: callers later in the same turn still share the settled call', async () => {
  let calls = 0;
  const call = singleFlight(async () => ++calls, { holdMs: 0 });
  assert.equal(await call(), 1);
  assert.equal(await call(), 1);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(await call(), 2);
});

test('keyedSingleFlight: one call per key at a time, different keys in parallel', async () => {
  const calls: string[] = [];
  const gates = new Map<string, (v: string) => void>();
  const lookup = keyedSingleFlight((key: string, requestId: string) => {
    calls.push(`${key}/${requestId}`);
    return new Promise<string>((resolve) => gates.set(key, resolve));
  });
  const a1 = lookup('a', 'r1');
  const a2 = lookup('a', 'r2');
  const b = lookup('b', 'r3');
  assert.deepEqual(calls, ['a/r1', 'b/r3']);
  gates.get('a')!('A');
  gates.get('b')!('B');
  assert.deepEqual(await Promise.all([a1, a2, b]), ['A', 'A', 'B']);
  await turn();
  void lookup('a', 'r4');
  assert.deepEqual(calls, ['a/r1', 'b/r3', 'a/r4']);
});

test('cached: answers (null included) are reused for ttlMs, failures are not', async () => {
  let clock = 1_000;
  let calls = 0;
  let failNext = false;
  const answer = cached(
    async (key: string) => {
      calls++;
      if (failNext) throw new Error('upstream down');
      return key === 'none' ? null : key.toUpperCase();
    },
    { ttlMs: 100, maxEntries: 10, now: () => clock },
  );
  assert.equal(await answer('x'), 'X');
  assert.equal(await answer('x'), 'X');
  assert.equal(await answer('none'), null);
  assert.equal(await answer('none'), null);
  assert.equal(calls, 2);
  clock += 100;
  failNext = true;
  await assert.rejects(answer('x'), /upstream down/);
  failNext = false;
  assert.equal(await answer('x'), 'X');
  assert.equal(calls, 4);
});

test('ExpiringMemory: bounded (the oldest goes first), entries expire, size 0 remembers nothing', () => {
  let clock = 0;
  const memory = new ExpiringMemory<string, number>(2, () => clock);
  memory.set('a', 1, 10);
  memory.set('b', 2, 10);
  memory.set('c', 3, 10);
  assert.equal(memory.get('a'), undefined);
  assert.equal(memory.get('b'), 2);
  clock = 10;
  assert.equal(memory.get('c'), undefined);
  const off = new ExpiringMemory<string, number>(0);
  off.set('a', 1, Number.POSITIVE_INFINITY);
  assert.equal(off.get('a'), undefined);
});

test('ExpiringMemory weighed: the oldest go until the new one fits; a value heavier than the bound is not kept; replaced and expired entries give their weight back', () => {
  let clock = 0;
  const memory = new ExpiringMemory<string, string>(Number.MAX_SAFE_INTEGER, () => clock, { max: 10, of: (v) => v.length });
  memory.set('a', 'aaaa', 100);
  memory.set('b', 'bbbb', 100);
  assert.equal(memory.totalWeight, 8);
  memory.set('c', 'cccccc', 100);
  // 4 + 4 + 6 > 10: 'a' goes, then 4 + 6 fits.
  assert.equal(memory.get('a'), undefined);
  assert.equal(memory.get('b'), 'bbbb');
  assert.equal(memory.totalWeight, 10);
  memory.set('b', 'bb', 100);
  assert.equal(memory.totalWeight, 8);
  memory.set('huge', 'x'.repeat(11), 100);
  assert.equal(memory.get('huge'), undefined);
  assert.equal(memory.totalWeight, 8);
  clock = 100;
  assert.equal(memory.get('c'), undefined);
  assert.equal(memory.totalWeight, 2);
});
