import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { findNulPath } from '../src/body.js';

test('names the first field holding a NUL, in keys and values, at any depth', () => {
  assert.equal(findNulPath({ a: 'ok', b: [{ c: 'x\u0000' }] }), 'b.0.c');
  assert.equal(findNulPath({ ['k\u0000']: 1 }), 'k\u0000');
  assert.equal(findNulPath('\u0000'), '(root)');
  assert.equal(findNulPath({ a: 'ok', n: 1, t: true, z: null }), undefined);
});

test('a deeply nested body does not overflow the stack', () => {
  let deep: unknown = 'x\u0000';
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assert.match(findNulPath(deep) ?? '', /^0(\.0)*$/);
});

test('streams and other non-JSON objects are not walked', () => {
  assert.equal(findNulPath(Readable.from(['a'])), undefined);
});
