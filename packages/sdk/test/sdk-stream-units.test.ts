/**
 * The stream iterator's reconnect rules against a small local SSE server (the real stream is in
 * sdk-player.test.ts): a closed stream is reopened with a new ticket, a 503 at opening is waited
 * out, a refusal ends the iteration with a typed error, `reconnect: false` stops at the first end,
 * unknown event types are skipped, and an abort while waiting for an event ends it quietly.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createQuestline, isQuestlineError, type StreamEvent } from '../src/index.js';

let server: Server;
let base: string;
let tickets = 0;
/** What each opening of the stream gets, in order: events then close, an error status, or 'hold' (events, then stays open). */
let plan: ({ events: string[]; hold?: boolean } | { status: number })[] = [];
const held: ServerResponse[] = [];

before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/api/v1/me/stream-tickets') {
      tickets++;
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ ticket: `t${tickets}`, expiresIn: 30 }));
      return;
    }
    const step = plan.shift() ?? { status: 401 };
    if ('status' in step) {
      res.writeHead(step.status, { 'content-type': 'application/json', 'retry-after': '0' });
      return void res.end(JSON.stringify({ error: { code: step.status === 401 ? 'UNAUTHENTICATED' : 'UPSTREAM_UNAVAILABLE', message: 'no', requestId: 'r' } }));
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': hello\n\n');
    step.events.forEach((e, i) => res.write(`event: ${e}\nid: ${i + 1}\ndata: ${JSON.stringify(e === 'snapshot' ? { user: { id: url.searchParams.get('ticket') }, quests: [] } : { status: 'active' })}\n\n`));
    if (step.hold) held.push(res);
    else res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const res of held) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const player = () => createQuestline({ baseUrl: base, session: { accessToken: 'not-a-jwt' } });
const backoff = { baseDelayMs: 5, maxDelayMs: 50 };

test('closed, reopened with a new ticket; a 503 waited out; a 401 at reopening ends it as a typed error', async () => {
  plan = [{ events: ['snapshot', 'future-type', 'user'] }, { status: 503 }, { events: ['snapshot'] }, { status: 401 }];
  const seen: StreamEvent[] = [];
  const first = tickets;
  await assert.rejects(async () => {
    for await (const e of player().stream({ backoff })) seen.push(e);
  }, (e) => isQuestlineError(e, 'UNAUTHENTICATED'));
  assert.deepEqual(seen.map((e) => e.type), ['snapshot', 'user', 'snapshot'], 'the unknown type is skipped');
  assert.deepEqual(seen.filter((e) => e.type === 'snapshot').map((e) => e.type === 'snapshot' && e.data.user.id), [`t${first + 1}`, `t${first + 3}`], 'each opening has its own ticket');
  assert.equal(seen[0]!.id, '1');
});

test('reconnect: false ends the iteration when the server closes the stream', async () => {
  plan = [{ events: ['snapshot'] }, { events: ['snapshot'] }];
  const seen: string[] = [];
  for await (const e of player().stream({ reconnect: false })) seen.push(e.type);
  assert.deepEqual(seen, ['snapshot']);
  plan = [];
});

test('an abort while waiting for the next event ends the iteration without an error; so does a break', async () => {
  plan = [{ events: ['snapshot'], hold: true }, { events: ['snapshot'], hold: true }];
  const abort = new AbortController();
  const seen: string[] = [];
  for await (const e of player().stream({ signal: abort.signal })) {
    seen.push(e.type);
    setTimeout(() => abort.abort(), 1);
  }
  assert.deepEqual(seen, ['snapshot']);
  for await (const e of player().stream()) {
    assert.equal(e.type, 'snapshot');
    break;
  }
});
