/**
 * openEventStream on a real server: the SSE headers that keep proxies from buffering, increasing
 * ids, heartbeat comments, the stream ended when the app closes, and a client that does not read
 * cut off instead of held in memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { eventually, openSse } from '@questline/testkit';
import { createApp } from '../src/app.js';
import { openEventStream, sseFrame, type EventStream } from '../src/event-stream.js';

async function serveStreams(opts: { heartbeatMs?: number; maxBufferedBytes?: number }) {
  const { app } = await createApp({ service: 'test', logLevel: 'silent', trustProxy: 'false', internalOpenApi: false });
  const opened: EventStream[] = [];
  app.get('/stream', async (request, reply) => {
    const stream = openEventStream(app, request, reply, opts);
    opened.push(stream);
    stream.send('hello', { n: 1 });
    stream.send('hello', { n: 2 });
    return reply;
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { app, opened, port, url: `http://127.0.0.1:${port}/stream` };
}

test('a frame is one event, one id and one line of JSON', () => {
  assert.equal(sseFrame('quest', 7, { a: 'x\ny' }), 'event: quest\nid: 7\ndata: {"a":"x\\ny"}\n\n');
});

test('headers, increasing ids and heartbeats; closing the app ends the stream', async () => {
  const s = await serveStreams({ heartbeatMs: 50 });
  const conn = await openSse(s.url);
  assert.equal(conn.status, 200);
  assert.match(conn.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.equal(conn.headers.get('x-accel-buffering'), 'no');
  assert.match(conn.headers.get('cache-control') ?? '', /no-cache/);
  await conn.next((e) => e.data.n === 2);
  assert.deepEqual(conn.events.map((e) => e.id), ['1', '2']);
  await eventually(async () => (conn.comments.filter((c) => c.trim() === 'keep-alive').length >= 2 ? true : undefined), 5_000, 'heartbeats');
  const closing = s.app.close();
  await conn.ended;
  await closing;
  assert.ok(s.opened[0]!.closed);
});

test('a client that does not read is cut off once its backlog passes the limit', async () => {
  const s = await serveStreams({ maxBufferedBytes: 64 * 1024 });
  const socket = net.connect(s.port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(`GET /stream HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`);
  // Never read: the kernel buffers fill, then the server's.
  socket.pause();
  await eventually(async () => (s.opened.length === 1 ? true : undefined), 5_000, 'the stream opened');
  const stream = s.opened[0]!;
  const big = 'x'.repeat(16 * 1024);
  for (let i = 0; i < 2_000 && !stream.closed; i++) {
    stream.send('big', big);
    if (i % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  assert.ok(stream.closed, 'the stream was closed, not buffered without end');
  socket.destroy();
  await s.app.close();
});
