import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { findOutboxRows } from '../src/db/outbox.repository.js';
import { player, startAuth, type Harness } from './support.js';
import { ProgressStandIn, eventually } from './progress-stand-in.js';

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
  const rows = await findOutboxRows(h.db, userId, 'login');
  return rows.length > 0 && rows.every((r) => r.delivered_at !== null) ? rows : undefined;
};

describe('outbox relay: login events', () => {
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
      await eventually(async () => (await findOutboxRows(h.db, p.id, 'login'))[0]?.last_error, 'a failed attempt');
      const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
      const backlog = /^questline_outbox_backlog\{[^}]*relay="login"[^}]*\} (\d+)$/m.exec(metrics.body);
      assert.ok(backlog, 'backlog gauge missing');
      assert.ok(Number(backlog[1]) >= 1);
      progress.down = false;
      await eventually(delivered(p.id), 'delivery once progress is back');
    } finally {
      progress.down = false;
    }
    const after = await h.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(after.body, /^questline_outbox_backlog\{[^}]*relay="login"[^}]*\} 0$/m);
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
      const rows = await findOutboxRows(h.db, p.id, 'login');
      return rows[1]?.last_error ? rows[1] : undefined;
    }, 'the rejection to be recorded');
    assert.match(failed.last_error ?? '', /SOMETHING_TRANSIENT/);
    assert.equal(failed.delivered_at, null);
    progress.rejectUser.delete(p.id);
    await eventually(delivered(p.id), 'delivery once accepted');
  });

  test('a login progress can never store (rejected VALIDATION_FAILED) is dead-lettered with the error, not retried', async () => {
    const p = await player(h.app, 'relay_dead');
    // The player's own first login is delivered before progress starts refusing.
    await eventually(delivered(p.id), 'the first login');
    progress.rejectUser.set(p.id, 'VALIDATION_FAILED');
    try {
      await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'relay_dead', password: 'password-123' } });
      const row = await eventually(async () => {
        const rows = await findOutboxRows(h.db, p.id, 'login');
        return rows.length === 2 && rows[1]!.dead_at ? rows[1] : undefined;
      }, 'the dead letter');
      assert.equal(row.delivered_at, null);
      assert.equal(row.last_error, 'rejected: VALIDATION_FAILED');
      progress.rejectUser.delete(p.id);
      // A later login is delivered (the relay has passed again); the dead one was sent only once.
      await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'relay_dead', password: 'password-123' } });
      await eventually(async () => (await findOutboxRows(h.db, p.id, 'login'))[2]?.delivered_at, 'the next login');
      assert.equal(progress.eventsFor(p.id).filter((e) => e.id === row.id).length, 1, 'never sent again');
      assert.ok((await findOutboxRows(h.db, p.id, 'login'))[1]!.dead_at);
      const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /^questline_outbox_dead\{[^}]*relay="login"[^}]*\} [1-9]\d*$/m);
      assert.match(metrics, /^questline_outbox_dead_lettered_total\{[^}]*relay="login"[^}]*\} [1-9]\d*$/m);
    } finally {
      progress.rejectUser.delete(p.id);
    }
  });

  test('a whole batch refused (400, e.g. a progress on another version) is retried, never dropped: a login is never lost', async () => {
    progress.failNext = 2;
    progress.failStatus = 400;
    try {
      const p = await player(h.app, 'relay_batch400');
      await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'relay_batch400', password: 'password-123' } });
      const row = await eventually(async () => (await findOutboxRows(h.db, p.id, 'login'))[0]?.delivered_at ? (await findOutboxRows(h.db, p.id, 'login'))[0] : undefined, 'delivery after the refusals');
      assert.equal(row!.dead_at, null);
      assert.ok(row!.attempts >= 2, `attempts ${row!.attempts}`);
    } finally {
      progress.failNext = 0;
      progress.failStatus = 503;
    }
  });

  test('domain counters are exported', async () => {
    const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /^questline_logins_total\{[^}]*\} [1-9]\d*$/m);
    assert.match(metrics, /^questline_signups_total\{[^}]*\} [1-9]\d*$/m);
    assert.match(metrics, /^# TYPE questline_grants_total counter$/m);
  });
});
