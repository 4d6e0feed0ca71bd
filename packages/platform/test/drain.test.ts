import { test } from 'node:test';
import assert from 'node:assert/strict';
import { beginDrain, createApp } from '../src/index.js';

test('a draining app reports not ready and closes every connection after its response, but still serves', async () => {
  const { app } = await createApp({ service: 'test', logLevel: 'silent', internalOpenApi: false, readiness: [{ name: 'database', check: async () => true }] });
  app.get('/work', async () => ({ done: true }));
  await app.ready();
  try {
    const before = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(before.statusCode, 200);
    assert.notEqual((await app.inject({ method: 'GET', url: '/work' })).headers.connection, 'close');

    beginDrain(app);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json().status, 'draining');
    const work = await app.inject({ method: 'GET', url: '/work' });
    assert.equal(work.statusCode, 200, 'requests are still served');
    assert.deepEqual(work.json(), { done: true });
    assert.equal(work.headers.connection, 'close', 'the client is told to open a new connection for its next request');
  } finally {
    await app.close();
  }
});
