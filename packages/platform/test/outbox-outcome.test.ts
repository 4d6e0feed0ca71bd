/** What a peer's answer means for an outbox row: delivered, retried, or (only when the peer says so) dead. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { delivered, errorCodeOf, outcomeOfAnswer } from '../src/outbox-relay.js';

describe('outcomeOfAnswer', () => {
  test('2xx delivered; only a 4xx in our error shape with a code the caller names final is dead; all else retried', () => {
    assert.deepEqual(outcomeOfAnswer(201, {}), delivered);
    assert.deepEqual(outcomeOfAnswer(200, undefined), delivered);
    const unknownUser = { error: { code: 'UNKNOWN_USER', message: 'no such user' } };
    assert.equal(outcomeOfAnswer(404, unknownUser, ['UNKNOWN_USER']).status, 'dead');
    assert.match((outcomeOfAnswer(404, unknownUser, ['UNKNOWN_USER']) as { error: string }).error, /^HTTP 404 UNKNOWN_USER: /);
    assert.equal(outcomeOfAnswer(404, unknownUser).status, 'retry', 'not final unless the caller says so');
    assert.equal(outcomeOfAnswer(404, { error: { code: 'NOT_FOUND' } }, ['UNKNOWN_USER']).status, 'retry', 'a missing route');
    assert.equal(outcomeOfAnswer(404, '<html>not found</html>', ['UNKNOWN_USER']).status, 'retry', 'a proxy');
    assert.equal(outcomeOfAnswer(503, { error: { code: 'UNKNOWN_USER' } }, ['UNKNOWN_USER']).status, 'retry', 'a 5xx is never final');
    for (const s of [400, 401, 403, 408, 409, 429, 500, 502, 503, 504, 302]) assert.equal(outcomeOfAnswer(s, { error: { code: 'X' } }).status, 'retry', String(s));
    assert.equal(errorCodeOf({ error: { code: 'X' } }), 'X');
    assert.equal(errorCodeOf('nope'), undefined);
  });
});
