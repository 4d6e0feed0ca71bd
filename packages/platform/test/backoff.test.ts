import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs } from '../src/backoff.js';
import { eachLimited, mapLimited } from '../src/concurrency.js';

describe('backoffMs', () => {
  const policy = { baseMs: 500, maxMs: 30_000 };
  test('doubles from the base after each failure and stops at the cap (no jitter drawn)', () => {
    const top = (n: number) => backoffMs(n, policy, () => 0);
    assert.deepEqual([1, 2, 3, 4].map(top), [500, 1000, 2000, 4000]);
    assert.equal(top(7), 30_000);
    assert.equal(top(10_000), 30_000, 'a huge attempt count neither overflows nor exceeds the cap');
    assert.equal(top(0), 500, 'nonsense counts get the base');
  });

  test('jitter only takes off the top: between 80 % and 100 % by default, never above the cap', () => {
    assert.equal(backoffMs(3, policy, () => 0.999_999), 1600);
    for (let i = 0; i < 200; i++) {
      const d = backoffMs(20, policy);
      assert.ok(d >= 24_000 && d <= 30_000, String(d));
    }
    assert.equal(backoffMs(2, { ...policy, jitter: 0 }, () => 0.5), 1000);
    assert.equal(backoffMs(2, { ...policy, jitter: 1 }, () => 0.5), 500);
  });
});

describe('eachLimited / mapLimited', () => {
  test('at most `limit` in flight, every item once, results in order', async () => {
    let inFlight = 0;
    let peak = 0;
    const items = Array.from({ length: 25 }, (_, i) => i);
    const out = await mapLimited(items, 4, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return n * 2;
    });
    assert.equal(peak, 4);
    assert.deepEqual(out, items.map((n) => n * 2));
  });

  test('rejects with the first error and starts nothing after it', async () => {
    const started: number[] = [];
    await assert.rejects(
      eachLimited([1, 2, 3, 4, 5, 6], 2, async (n) => {
        started.push(n);
        await new Promise((r) => setImmediate(r));
        if (n === 2) throw new Error('boom');
      }),
      /boom/,
    );
    assert.ok(!started.includes(5) && !started.includes(6), started.join(','));
  });

  test('an empty list resolves at once', async () => {
    assert.deepEqual(await mapLimited([], 3, async () => 1), []);
  });
});

describe('backoffMs with a schedule', () => {
  const policy = { baseMs: 1, maxMs: 1, schedule: [5_000, 300_000, 1_800_000], jitter: 0.2 };

  test('the n-th failure waits the n-th delay, the last one repeating', () => {
    const top = (n: number) => backoffMs(n, policy, () => 0);
    assert.deepEqual([1, 2, 3, 4, 9].map(top), [5_000, 300_000, 1_800_000, 1_800_000, 1_800_000]);
  });

  test('jitter is taken off the scheduled delay, never added', () => {
    assert.equal(backoffMs(2, policy, () => 1), 240_000);
    assert.equal(backoffMs(2, policy, () => 0.5), 270_000);
  });
});
