import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs } from '@questline/platform';
import { loggedResponse, verdictOf, WEBHOOK_BACKOFF, WEBHOOK_MAX_ATTEMPTS, WEBHOOK_RESPONSE_LOG_CHARS } from '../src/domain/webhook-delivery.js';

const answered = (statusCode: number, body = '', truncated = false) => ({ kind: 'answered' as const, statusCode, body, truncated, durationMs: 1 });

describe('webhook delivery rules', () => {
  test('the retry schedule of api.md v1.2: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (before jitter), eight attempts in all', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, WEBHOOK_BACKOFF, () => 0));
    assert.deepEqual(delays, [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    assert.equal(WEBHOOK_MAX_ATTEMPTS, 8);
  });

  test('only a 2xx succeeds; a 3xx, 4xx, 5xx or a fault fails, for good at the last attempt', () => {
    assert.deepEqual(verdictOf(answered(204), 1), { kind: 'succeeded' });
    assert.deepEqual(verdictOf(answered(301), 1), { kind: 'failed', error: 'HTTP 301', final: false });
    assert.deepEqual(verdictOf(answered(410), 1), { kind: 'failed', error: 'HTTP 410', final: false });
    assert.deepEqual(verdictOf({ kind: 'failed', error: 'timeout', durationMs: 10_000 }, WEBHOOK_MAX_ATTEMPTS - 1), { kind: 'failed', error: 'timeout', final: false });
    assert.deepEqual(verdictOf(answered(500), WEBHOOK_MAX_ATTEMPTS), { kind: 'failed', error: 'HTTP 500', final: true });
  });

  test('the log keeps a bounded answer and says when it was cut', () => {
    assert.deepEqual(loggedResponse(answered(200, 'ok')), { statusCode: 200, response: 'ok' });
    assert.deepEqual(loggedResponse({ kind: 'failed', error: 'connection reset', durationMs: 3 }), { statusCode: null, response: null });
    const long = loggedResponse(answered(500, 'x'.repeat(3000)));
    assert.equal(long.response, `${'x'.repeat(WEBHOOK_RESPONSE_LOG_CHARS)}…[truncated]`);
    assert.match(loggedResponse(answered(200, 'short', true)).response!, /^short…\[truncated\]$/);
  });
});
