import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NonceCache, verifyInternal } from '@questline/platform';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UserEvent } from '@questline/contracts';
import { findLoginEvents } from '../src/db/login-outbox.repository.js';
import { INTERNAL_TOKEN, player, startAuth, type Harness } from './support.js';

/** A small real HTTP stand-in for progress's POST /internal/events. */
class ProgressStandIn {
  server: Server;
  received: Array<{ signed: boolean; events: UserEvent[] }> = [];
  private nonces = new NonceCache();
  /** How many upcoming requests to answer 503. */
  failNext = 0;
  down = false;
  /** Per user id, the code progress rejects that user's events with. */
  rejectUser = new Map<string, string>();

  constructor() {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/internal/events') {
          res.writeHead(404).end();
          return;
        }
        const { events } = JSON.parse(raw) as { events: UserEvent[] };
        const verdict = verifyInternal(INTERNAL_TOKEN, { method: 'POST', path: req.url, body: raw, headers: req.headers }, this.nonces);
        this.received.push({ signed: verdict === 'ok', events });
        if (this.down || this.failNext > 0) {
          this.failNext = Math.max(0, this.failNext - 1);
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"UNAVAILABLE"}}');
          return;
        }
        const rejected = events
          .map((e, index) => ({ index, code: this.rejectUser.get(e.userId) }))
          .filter((r): r is { index: number; code: string } => r.code !== undefined);
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ accepted: events.length - rejected.length, duplicates: 0, rejected }));
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  eventsFor(userId: string): UserEvent[] {
    return this.received.flatMap((r) => r.events).filter((e) => e.userId === userId);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function eventually<T>(probe: () => Promise<T | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let h: Harness;
const progress = new ProgressStandIn();
before(async () => {
  const url = await progress.listen();
  h = await startAuth({ PROGRESS_URL: url, OUTBOX_POLL_MS: '20' });
});
after(async () => {
  await h?.close();
  await progress.close();
});

const delivered = (userId: string) => async () => {
  const rows = await findLoginEvents(h.db, userId);
  return rows.length > 0 && rows.every((r) => r.delivered_at !== null) ? rows : undefined;
};

describe('login relay', () => {
  test('delivers a login event to progress with the outbox row id as event id', async () => {
    const p = await player(h.app, 'relay_ok');
    const rows = await eventually(delivered(p.id), 'delivery');
    assert.equal(rows.length, 1);
    const events = progress.eventsFor(p.id);
    assert.equal(events.length, 1);
    assert.deepEqual(events[0], { id: rows[0]!.id, userId: p.id, type: 'login', occurredAt: rows[0]!.occurred_at.toISOString() });
    assert.ok(progress.received.every((r) => r.signed), 'every delivery carries a valid, fresh internal signature');
  });

  test('retries after progress answers 503, with the same event id', async () => {
    progress.failNext = 1;
    const p = await player(h.app, 'relay_retry');
    const rows = await eventually(delivered(p.id), 'delivery after a 503');
    const events = progress.eventsFor(p.id);
    assert.ok(events.length >= 2, `expected a retry, saw ${events.length} attempt(s)`);
    assert.ok(events.every((e) => e.id === rows[0]!.id));
    assert.ok(rows[0]!.attempts >= 1);
    assert.equal(rows[0]!.last_error, null);
  });

  test('keeps logins while progress is down and reports the backlog', async () => {
    progress.down = true;
    try {
      const p = await player(h.app, 'relay_down');
      await eventually(async () => (await findLoginEvents(h.db, p.id))[0]?.last_error, 'a failed attempt');
      const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
      const backlog = /^questline_login_outbox_backlog\{[^}]*\} (\d+)$/m.exec(metrics.body);
      assert.ok(backlog, 'backlog gauge missing');
      assert.ok(Number(backlog[1]) >= 1);
      progress.down = false;
      await eventually(delivered(p.id), 'delivery once progress is back');
    } finally {
      progress.down = false;
    }
    const after = await h.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(after.body, /^questline_login_outbox_backlog\{[^}]*\} 0$/m);
  });

  test('an event progress rejects as USER_BANNED is settled, not retried forever', async () => {
    const p = await player(h.app, 'relay_banned');
    await eventually(delivered(p.id), 'first delivery');
    progress.rejectUser.set(p.id, 'USER_BANNED');
    const sent = progress.eventsFor(p.id).length;
    await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'relay_banned', password: 'password-123' } });
    const rows = await eventually(delivered(p.id), 'the rejected event to be settled');
    assert.equal(rows.length, 2);
    assert.equal(progress.eventsFor(p.id).length, sent + 1);
  });

  test('an event rejected for another reason is retried', async () => {
    const p = await player(h.app, 'relay_reject');
    await eventually(delivered(p.id), 'first delivery');
    progress.rejectUser.set(p.id, 'SOMETHING_TRANSIENT');
    await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'relay_reject', password: 'password-123' } });
    const failed = await eventually(async () => {
      const rows = await findLoginEvents(h.db, p.id);
      return rows[1]?.last_error ? rows[1] : undefined;
    }, 'the rejection to be recorded');
    assert.match(failed.last_error ?? '', /SOMETHING_TRANSIENT/);
    assert.equal(failed.delivered_at, null);
    progress.rejectUser.delete(p.id);
    await eventually(delivered(p.id), 'delivery once accepted');
  });

  test('domain counters are exported', async () => {
    const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /^questline_logins_total\{[^}]*\} [1-9]\d*$/m);
    assert.match(metrics, /^questline_signups_total\{[^}]*\} [1-9]\d*$/m);
    assert.match(metrics, /^# TYPE questline_grants_total counter$/m);
  });
});
