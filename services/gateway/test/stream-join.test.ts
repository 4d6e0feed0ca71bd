import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamJoin } from '../src/domain/stream-join.js';

test('one snapshot {user, quests} once both halves sent theirs; what came before it waits behind it, in order', () => {
  const join = new StreamJoin();
  assert.deepEqual(join.accept('progress', { event: 'snapshot', data: JSON.stringify({ quests: [{ k: 1 }] }) }), []);
  assert.deepEqual(join.accept('progress', { event: 'quest', data: '{"k":2}' }), []);
  const out = join.accept('auth', { event: 'snapshot', data: JSON.stringify({ user: { id: 'u' } }) });
  assert.deepEqual(out, [
    { event: 'snapshot', data: JSON.stringify({ user: { id: 'u' }, quests: [{ k: 1 }] }) },
    { event: 'quest', data: '{"k":2}' },
  ]);
  assert.deepEqual(join.accept('auth', { event: 'reward', data: '{"r":1}' }), [{ event: 'reward', data: '{"r":1}' }]);
});

test('a second snapshot of one half (never sent by the services) does not repeat the joined one', () => {
  const join = new StreamJoin();
  join.accept('auth', { event: 'snapshot', data: '{"user":{}}' });
  assert.equal(join.accept('progress', { event: 'snapshot', data: '{"quests":[]}' }).length, 1);
  assert.deepEqual(join.accept('progress', { event: 'snapshot', data: '{"quests":[]}' }), []);
});

test('a snapshot that is not JSON throws (the stream is then ended)', () => {
  assert.throws(() => new StreamJoin().accept('auth', { event: 'snapshot', data: 'nope' }));
});
