import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyUpstreamError, errorCodes, retryDelay } from '../src/domain/upstream-failure.js';

const wrapped = (code: string) => Object.assign(new Error('wrapped'), { code: 'FST_REPLY_FROM_INTERNAL_SERVER_ERROR', cause: Object.assign(new Error('inner'), { code }) });

describe('upstream failures', () => {
  test('codes are collected along the cause chain', () => {
    assert.deepEqual(errorCodes(wrapped('ECONNREFUSED')), ['FST_REPLY_FROM_INTERNAL_SERVER_ERROR', 'ECONNREFUSED']);
    assert.deepEqual(errorCodes(undefined), []);
  });

  test('a slow upstream is a timeout; a refused, reset or unreachable one is unavailable', () => {
    assert.equal(classifyUpstreamError({ code: 'FST_REPLY_FROM_GATEWAY_TIMEOUT', cause: { code: 'UND_ERR_HEADERS_TIMEOUT' } }), 'timeout');
    assert.equal(classifyUpstreamError(wrapped('UND_ERR_BODY_TIMEOUT')), 'timeout');
    assert.equal(classifyUpstreamError(wrapped('ECONNREFUSED')), 'unavailable');
    assert.equal(classifyUpstreamError({ code: 'UND_ERR_CONNECT_TIMEOUT' }), 'unavailable');
    assert.equal(classifyUpstreamError(new Error('anything else')), 'unavailable');
  });

  test('reads are retried once on connection errors; writes only when the connection was refused', () => {
    const refused = { code: 'ECONNREFUSED' };
    assert.ok((retryDelay('GET', refused, 0) ?? 0) > 0);
    assert.ok((retryDelay('HEAD', { code: 'UND_ERR_SOCKET' }, 0) ?? 0) > 0);
    assert.equal(retryDelay('GET', refused, 1), null, 'one retry only');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      assert.ok((retryDelay(method, wrapped('ECONNREFUSED'), 0) ?? 0) > 0, `${method}: a refused connection never carried the request`);
      assert.equal(retryDelay(method, refused, 1), null, `${method}: one retry only`);
      // The request may have reached the upstream before the connection broke: never repeated.
      for (const code of ['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']) assert.equal(retryDelay(method, { code }, 0), null, `${method} ${code}`);
    }
    assert.equal(retryDelay('GET', { code: 'UND_ERR_HEADERS_TIMEOUT' }, 0), null, 'never on a timeout');
    assert.equal(retryDelay('GET', undefined, 0), null, 'never on an HTTP answer');
  });
});
