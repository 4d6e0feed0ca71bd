/** Which quest views a batch of change notices asks the live feed for (domain/quest-changes.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allQuestsChanged, changedKeys, questsChanged } from '../src/domain/quest-changes.js';

const dependents = new Map([['gate', [{ key: 'after-gate' }, { key: 'also-after-gate' }]]]);

test('the quests named, with the quests that depend on them, once each', () => {
  const keys = changedKeys([questsChanged('u', ['gate', 'other']), questsChanged('u', ['other'])], dependents);
  assert.deepEqual([...(keys as Set<string>)].sort(), ['after-gate', 'also-after-gate', 'gate', 'other']);
});

test('one notice for all of them makes the answer all, whatever else came with it', () => {
  assert.equal(changedKeys([questsChanged('u', ['gate']), allQuestsChanged('u')], dependents), 'all');
});

test('a malformed notice (no list) is skipped, not thrown on', () => {
  const keys = changedKeys([{ u: 'u' } as never, questsChanged('u', ['x'])], dependents);
  assert.deepEqual([...(keys as Set<string>)], ['x']);
});
