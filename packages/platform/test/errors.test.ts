import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError, ERROR_CODES, errorResponses, isErrorCode, statusOf } from '../src/index.js';

const apiReference = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/api.md');

test('the status of an error follows from its code', () => {
  assert.equal(new AppError('NOTHING_TO_CLAIM', 'x').statusCode, 409);
  assert.equal(new AppError('USER_BANNED', 'x').statusCode, 403);
  assert.equal(new AppError('UNAUTHENTICATED', 'x').statusCode, 401);
  assert.equal(statusOf('RATE_LIMITED'), 429);
  assert.equal(isErrorCode('NOT_FOUND'), true);
  assert.equal(isErrorCode('toString'), false);
  assert.equal(isErrorCode('SOMETHING_ELSE'), false);
});

test('every error code the API reference names with a status is in the closed set, with that status', async () => {
  const text = await readFile(apiReference, 'utf8');
  const named = [...text.matchAll(/\b([45]\d\d) ([A-Z][A-Z_]{2,})\b/g)].map((m) => [Number(m[1]), m[2]!] as const);
  assert.ok(named.length >= 15, `found only ${named.length} "<status> <CODE>" pairs in docs/api.md`);
  for (const [status, code] of named) {
    assert.ok(isErrorCode(code), `${code} (docs/api.md) is not in ERROR_STATUS`);
    assert.equal(statusOf(code), status, `${code}: docs/api.md says ${status}`);
  }
  // The conventions paragraph names codes as `CODE` after a status in prose too.
  for (const code of ['VALIDATION_FAILED', 'NOT_FOUND', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED', 'RATE_LIMITED', 'PAYLOAD_TOO_LARGE']) {
    assert.ok(ERROR_CODES.includes(code as never));
  }
});

test('errorResponses groups the codes a route can answer by status and names them', () => {
  const responses = errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED', 'NOT_FOUND');
  assert.deepEqual(Object.keys(responses).sort(), ['400', '401', '403', '404']);
  assert.equal((responses[403] as unknown as { description: string }).description, 'FORBIDDEN, USER_BANNED');
});
