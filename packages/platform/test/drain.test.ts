import { test } from 'node:test';
import assert from 'node:assert/strict';
import { beginDrain, createApp } from '../src/index.js';

test('a draining app reports not ready and closes every connection after its response, but still serves', async () => {
  const { app } = await createApp({ service: 'test', logLevel: 'silent', trustProxy: 'false', internalOpenApi: false, readiness: [{ name: 'database', check: async () => true }] });
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

test('a request already in flight when the drain begins also closes its connection after its response', async () => {
  const { app } = await createApp({ service: 'test', logLevel: 'silent', trustProxy: 'false', internalOpenApi: false, readiness: [] });
  let started!: () => void;
  const inFlight = new Promise<void>((resolve) => (started = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  app.get('/slow', async () => {
    started();
    await released;
    return { done: true };
  });
  await app.ready();
  try {
    const pending = app.inject({ method: 'GET', url: '/slow' });
    await inFlight;
    beginDrain(app);
    release();
    const res = await pending;
    assert.equal(res.statusCode, 200);
    // Otherwise its keep-alive connection stays open and holds the server's close until it times out.
    assert.equal(res.headers.connection, 'close');
  } finally {
    await app.close();
  }
});
