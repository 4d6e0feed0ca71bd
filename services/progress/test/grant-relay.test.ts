/**
 * The grant relay (the platform outbox relay over grant_outbox): a grant auth refuses for good is
 * dead-lettered instead of retried every 30 s forever; rows leased by a relay that died are sent
 * once the lease has passed; no transaction or row lock is held while auth is being called.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { GrantRequest, InternalUser } from '@questline/contracts';
import { questGrantKey } from '@questline/contracts';
import { eventually } from '@questline/testkit';
import { startHarness, type Harness } from './support/harness.js';
import { dailyLogin } from './support/quests.js';

interface OutboxRow {
  attempts: number;
  delivered_at: Date | null;
  dead_at: Date | null;
  lease_until: Date | null;
  last_error: string | null;
}

describe('grant relay', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('progress_grant_relay', [dailyLogin]);
  });
  after(async () => {
    await h.close();
  });

  const login = async (user: InternalUser) => {
    const res = await h.serverEvent(user.id, { type: 'login' });
    assert.equal(res.statusCode, 200, res.body);
    return questGrantKey(user.id, 'daily-login', 1);
  };
  const row = async (key: string) =>
    (await h.sql<OutboxRow>('SELECT attempts, delivered_at, dead_at, lease_until, last_error FROM grant_outbox WHERE idempotency_key = $1', [key]))[0]!;
  const calls = (key: string) => h.auth.grantCalls.filter((c) => c.body.idempotencyKey === key);
  const metric = async (name: string) => {
    const text = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    const m = new RegExp(`^${name}\\{[^}]*relay="grants"[^}]*\\} (\\S+)$`, 'm').exec(text);
    assert.ok(m, `${name}{relay="grants"} is exported`);
    return Number(m[1]);
  };

  {
    test('a grant for a user auth does not have (404 UNKNOWN_USER) is dead-lettered, not retried', async () => {
      const status = 404;
      const deadBefore = await metric('questline_outbox_dead');
      const user = h.auth.addUser();
      h.auth.failNextGrants(1, status, 'UNKNOWN_USER');
      const key = await login(user);
      await h.drainOutbox();
      await h.drainOutbox();
      const r = await row(key);
      assert.ok(r.dead_at, 'the row is dead');
      assert.equal(r.delivered_at, null);
      assert.equal(r.lease_until, null);
      assert.match(r.last_error ?? '', /UNKNOWN_USER/);
      assert.equal(calls(key).length, 1, 'sent once, never again (even with every retry wait skipped)');
      assert.equal(await metric('questline_outbox_dead'), deadBefore + 1);
      assert.ok((await metric('questline_outbox_dead_lettered_total')) >= 1);
      assert.equal(await metric('questline_outbox_backlog'), 0, 'a dead row is not backlog');
    });
  }

  test('a refusal that may not be final (404 from a missing route, 400 from another version) is retried, never dropped', async () => {
    for (const [status, code] of [
      [404, 'NOT_FOUND'],
      [400, 'VALIDATION_FAILED'],
    ] as const) {
      const user = h.auth.addUser();
      h.auth.failNextGrants(2, status, code);
      const key = await login(user);
      await h.drainOutbox();
      assert.deepEqual(calls(key).map((c) => c.status), [status, status, 201], `${status} ${code}`);
      const r = await row(key);
      assert.ok(r.delivered_at);
      assert.equal(r.dead_at, null);
    }
  });

  test('429, 503 and 401 are retried, and the grant then arrives once', async () => {
    const user = h.auth.addUser();
    h.auth.failNextGrants(3, 429);
    const key = await login(user);
    await h.drainOutbox();
    assert.deepEqual(calls(key).map((c) => c.status), [429, 429, 429, 201]);
    const r = await row(key);
    assert.ok(r.delivered_at);
    assert.equal(r.dead_at, null);
    assert.equal(r.attempts, 4);
    for (const status of [503, 401]) {
      const other = h.auth.addUser();
      h.auth.failNextGrants(1, status);
      const k = await login(other);
      await h.drainOutbox();
      assert.deepEqual(calls(k).map((c) => c.status), [status, 201]);
    }
  });

  test('no transaction is open and the row is not locked while auth is being called', async () => {
    const seen: Array<{ lockable: boolean; openTransactions: number }> = [];
    h.auth.whileGranting(async (grant) => {
      let lockable = true;
      // NOWAIT fails at once if the relay held the row locked across the call.
      await h.sql('SELECT id FROM grant_outbox WHERE idempotency_key = $1 FOR UPDATE NOWAIT', [grant.idempotencyKey]).catch(() => (lockable = false));
      const [open] = await h.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`,
      );
      seen.push({ lockable, openTransactions: open!.n });
    });
    try {
      const key = await login(h.auth.addUser());
      await h.drainOutbox();
      assert.ok((await row(key)).delivered_at);
    } finally {
      h.auth.whileGranting(undefined);
    }
    assert.ok(seen.length >= 1);
    assert.deepEqual(seen, seen.map(() => ({ lockable: true, openTransactions: 0 })));
  });

  test('a grant leased by a relay that died is sent once its lease has passed', async () => {
    const user = h.auth.addUser();
    const key = questGrantKey(user.id, 'daily-login', 1);
    const grant: GrantRequest = {
      userId: user.id,
      idempotencyKey: key,
      items: [{ currency: 'gold', amount: 10 }],
      xp: 0,
      badge: null,
      reason: 'quest daily-login completion 1',
      source: { type: 'quest', questKey: 'daily-login', completion: 1 },
    };
    // What a relay killed mid-delivery leaves behind: the row claimed (an attempt counted) and leased.
    await h.sql(
      `INSERT INTO grant_outbox (id, user_id, quest_key, completion, idempotency_key, payload, attempts, lease_until)
       VALUES ($1, $2, 'daily-login', 1, $3, $4::jsonb, 1, now() + interval '1.5 seconds')`,
      [randomUUID(), user.id, key, JSON.stringify(grant)],
    );
    await h.drainOutbox();
    assert.equal(calls(key).length, 0, 'not sent while another relay holds the lease');
    assert.equal(await metric('questline_outbox_backlog'), 1, 'a leased row is backlog');

    await eventually(async () => (await h.sql<{ due: boolean }>('SELECT lease_until <= now() AS due FROM grant_outbox WHERE idempotency_key = $1', [key]))[0]!.due, 10_000, 'the lease to pass');
    await h.drainOutbox();
    assert.equal(h.auth.successfulGrants(key).length, 1);
    const r = await row(key);
    assert.ok(r.delivered_at);
    assert.equal(r.attempts, 2);
    assert.equal(r.lease_until, null);
  });
});
