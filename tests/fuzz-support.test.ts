import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bodyFor, endpoints, withLoneSurrogate } from './fuzz-support.js';

const isWellFormed = (s: string) => (s as string & { isWellFormed(): boolean }).isWellFormed();
const illFormed = (v: unknown): boolean =>
  typeof v === 'string' ? !isWellFormed(v) : Array.isArray(v) ? v.some(illFormed) : v !== null && typeof v === 'object' ? Object.entries(v).some(([k, x]) => !isWellFormed(k) || illFormed(x)) : false;

test('withLoneSurrogate spoils exactly one string or key, at any depth, and leaves the rest', () => {
  const example = { events: [{ id: 'e1', attributes: { k: 'v' } }], n: 1 };
  const seen = new Set<string>();
  for (let pick = 0; pick < 12; pick++) {
    const spoiled = withLoneSurrogate(example, pick, '\ud800');
    assert.ok(illFormed(spoiled), JSON.stringify(spoiled));
    seen.add(JSON.stringify(spoiled));
  }
  // Keys events, id, attributes, k, n and values e1, v: seven slots.
  assert.equal(seen.size, 7);
  assert.deepEqual(example, { events: [{ id: 'e1', attributes: { k: 'v' } }], n: 1 }, 'the example is not changed');
});

test('the body generators send lone surrogates in otherwise valid bodies', () => {
  const reward = endpoints.find((e) => e.name === 'POST /admin/rewards')!;
  const bodies = fc.sample(bodyFor(reward.fields, reward.example), { numRuns: 500, seed: 1 });
  const spoiled = bodies.filter((b) => b?.kind === 'json' && illFormed(b.value) && Object.keys(b.value as object).length === Object.keys(reward.example!).length);
  assert.ok(spoiled.length >= 10, `only ${spoiled.length} of 500`);
});
