/**
 * prepareUserFeed's ordering rules with an in-memory listener (the real LISTEN/NOTIFY is in
 * change-feed.test.ts): subscribed before the snapshot is read, notices handled one batch at a
 * time and in order, a gap or a failed read ends the stream, a refusal unsubscribes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChangeListener, ChangeNotice, Subscription } from '../src/change-feed.js';
import type { EventStream } from '../src/event-stream.js';
import { prepareUserFeed } from '../src/user-feed.js';

function memoryListener(listening = true) {
  const subs = new Map<string, Set<Subscription>>();
  const listener: ChangeListener = {
    listening,
    get subscribers() {
      return [...subs.values()].reduce((n, s) => n + s.size, 0);
    },
    subscribe(userId, sub) {
      if (!subs.has(userId)) subs.set(userId, new Set());
      subs.get(userId)!.add(sub);
      return () => subs.get(userId)!.delete(sub);
    },
    toEveryone: (make) => subs.forEach((set, u) => set.forEach((s) => s.onNotice(make(u)))),
    start: async () => undefined,
    close: async () => undefined,
  };
  return {
    listener,
    notify: (n: ChangeNotice) => subs.get(n.u)?.forEach((s) => s.onNotice(n)),
    gap: () => subs.forEach((set) => set.forEach((s) => s.onGap())),
  };
}

function memoryStream() {
  const sent: Array<{ event: string; data: unknown }> = [];
  const handlers: Array<() => void> = [];
  let closed = false;
  const stream: EventStream = {
    get closed() {
      return closed;
    },
    send: (event, data) => void sent.push({ event, data }),
    close() {
      if (closed) return;
      closed = true;
      handlers.splice(0).forEach((fn) => fn());
    },
    onClose: (fn) => (closed ? fn() : void handlers.push(fn)),
  };
  return { stream, sent };
}

const log = { warn: () => undefined };
const tick = () => new Promise((r) => setImmediate(r));

test('a notice that comes while the snapshot is read is sent after it; batches are handled in order', async () => {
  const m = memoryListener();
  const batches: string[][] = [];
  let release!: () => void;
  const slow = new Promise<void>((r) => (release = r));
  const feed = await prepareUserFeed(
    m.listener,
    'u',
    {
      async snapshot() {
        m.notify({ u: 'u', q: ['during-snapshot'] });
        return { ok: true, frame: { event: 'snapshot', data: 1 } };
      },
      async onNotices(notices) {
        const keys = notices.map((n) => String((n.q as string[])[0]));
        batches.push(keys);
        if (keys[0] === 'during-snapshot') await slow;
        return { frames: keys.map((k) => ({ event: 'quest', data: k })) };
      },
    },
    log,
  );
  assert.equal(feed.kind, 'ready');
  const { stream, sent } = memoryStream();
  if (feed.kind === 'ready') feed.attach(stream);
  m.notify({ u: 'u', q: ['a'] });
  m.notify({ u: 'u', q: ['b'] });
  await tick();
  release();
  await tick();
  await tick();
  assert.deepEqual(sent.map((f) => f.data), [1, 'during-snapshot', 'a', 'b']);
  assert.deepEqual(batches, [['during-snapshot'], ['a', 'b']], 'what came during a read is handled together, after it');
  assert.equal(m.listener.subscribers, 1);
  stream.close();
  assert.equal(m.listener.subscribers, 0, 'closing unsubscribes');
});

test('a gap ends the stream; a failed read ends it; an end from the handler ends it', async () => {
  for (const kind of ['gap', 'throw', 'end'] as const) {
    const m = memoryListener();
    const feed = await prepareUserFeed(
      m.listener,
      'u',
      {
        snapshot: async () => ({ ok: true, frame: { event: 'snapshot', data: 0 } }),
        async onNotices() {
          if (kind === 'throw') throw new Error('read failed');
          return { frames: [{ event: 'user', data: 'banned' }], end: true };
        },
      },
      log,
    );
    const { stream, sent } = memoryStream();
    if (feed.kind === 'ready') feed.attach(stream);
    if (kind === 'gap') m.gap();
    else m.notify({ u: 'u' });
    await tick();
    await tick();
    assert.ok(stream.closed, kind);
    assert.equal(m.listener.subscribers, 0, kind);
    if (kind === 'end') assert.deepEqual(sent.at(-1), { event: 'user', data: 'banned' });
  }
});

test('not listening: unavailable; a refused snapshot unsubscribes', async () => {
  const off = memoryListener(false);
  const handlers = { snapshot: async () => ({ ok: false as const, reason: 'banned' }), onNotices: async () => ({ frames: [] }) };
  assert.equal((await prepareUserFeed(off.listener, 'u', handlers, log)).kind, 'unavailable');
  const on = memoryListener();
  const refused = await prepareUserFeed(on.listener, 'u', handlers, log);
  assert.deepEqual(refused, { kind: 'refused', reason: 'banned' });
  assert.equal(on.listener.subscribers, 0);
});
