import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { injectInternal } from '@questline/testkit';
import type { InternalUser } from '@questline/contracts';
import { questGrantKey, webhookMessageId } from '@questline/contracts';
import type { App } from '../src/app.js';
import { reportableTypesOf, startHarness, type Harness } from './support/harness.js';
import { dailyLogin, quest, signInThreeTimes } from './support/quests.js';
import { INTERNAL_TOKEN } from './support/stand-ins.js';

const clicks = quest({ key: 'many-clicks', objective: { event: 'click', mode: 'count', target: 1_000_000 } });

describe('progress ingestion (integration)', () => {
  let h: Harness;
  const bearer = async (user: InternalUser) => ({ authorization: `Bearer ${await h.auth.token(user)}` });

  const postEvent = async (user: InternalUser, body: Record<string, unknown>) =>
    h.app.inject({ method: 'POST', url: '/api/v1/events', headers: await bearer(user), payload: body });

  const myQuests = async (app: App, user: InternalUser) => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/me/quests', headers: await bearer(user) });
    assert.equal(res.statusCode, 200, res.body);
    return new Map((res.json().items as Array<{ quest: { key: string } } & Record<string, unknown>>).map((i) => [i.quest.key, i]));
  };

  before(async () => {
    h = await startHarness('progress_ingest', [dailyLogin, signInThreeTimes, clicks]);
  });
  after(async () => {
    await h.close();
  });

  test('a login completes daily-login and its grant reaches auth exactly once, despite a 503 and two relays', async () => {
    const user = h.auth.addUser({ timezone: 'Asia/Tokyo' });
    h.auth.failNextGrants(1, 503);

    const res = await h.serverEvent(user.id, { type: 'login' });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.duplicate, false);
    assert.deepEqual(body.completed, ['daily-login']);
    assert.deepEqual(body.rewarded, [{ questKey: 'daily-login', items: [{ currency: 'gold', amount: 10 }] }]);
    const updates = new Map(body.updates.map((u: { questKey: string }) => [u.questKey, u]));
    assert.deepEqual(updates.get('daily-login'), { questKey: 'daily-login', status: 'completed', progress: 0, target: 1 });
    assert.deepEqual(updates.get('sign-in-three-times'), { questKey: 'sign-in-three-times', status: 'active', progress: 1, target: 3 });

    const replica = await h.buildReplica();
    await Promise.all([h.drainOutbox(), h.drainOutbox(replica)]);
    await Promise.all([h.drainOutbox(), h.drainOutbox(replica)]);

    const key = questGrantKey(user.id, 'daily-login', 1);
    const calls = h.auth.grantCalls.filter((c) => c.body.idempotencyKey === key);
    assert.ok(calls.some((c) => c.status === 503), 'the first delivery failed');
    assert.equal(h.auth.successfulGrants(key).length, 1, 'delivered exactly once');
    const paid = h.auth.successfulGrants(key)[0]!.body;
    const [completion] = await h.sql<{ at: Date }>("SELECT completed_at AS at FROM completions WHERE user_id = $1 AND quest_key = 'daily-login' AND number = 1", [user.id]);
    const completedAt = completion!.at.toISOString();
    assert.deepEqual(paid, {
      userId: user.id,
      idempotencyKey: key,
      items: [{ currency: 'gold', amount: 10 }],
      xp: 0,
      badge: null,
      reason: 'quest daily-login completion 1',
      source: { type: 'quest', questKey: 'daily-login', completion: 1 },
      // The completion's webhook message travels with the grant that pays it.
      message: {
        id: webhookMessageId('quest.completed', `${user.id}:daily-login:1`),
        type: 'quest.completed',
        data: { userId: user.id, questKey: 'daily-login', completion: 1, completedAt, autoClaim: true },
        at: completedAt,
      },
    });

    const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /questline_outbox_backlog\{[^}]*\} 0/);
    assert.match(metrics, /questline_events_ingested_total\{[^}]*\} [1-9]/);
    assert.match(metrics, /questline_quests_completed_total\{[^}]*quest="daily-login"[^}]*\} [1-9]/);
  });

  test('grants queued before a restart are delivered by the restarted service', async () => {
    const user = h.auth.addUser();
    h.auth.failNextGrants(1000, 500);
    assert.equal((await h.serverEvent(user.id, { type: 'login' })).statusCode, 200);
    await h.drainOutbox().catch(() => undefined);
    const key = questGrantKey(user.id, 'daily-login', 1);
    assert.equal(h.auth.successfulGrants(key).length, 0);

    const backlog = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(backlog, /questline_outbox_backlog\{[^}]*\} [1-9]/);

    h.auth.failNextGrants(0);
    const restarted = await h.buildReplica();
    await h.drainOutbox(restarted);
    assert.equal(h.auth.successfulGrants(key).length, 1);
  });

  test('50 parallel events for one user count exactly 50', async () => {
    const user = h.auth.addUser();
    const results = await Promise.all(Array.from({ length: 50 }, () => postEvent(user, { type: 'click' })));
    for (const r of results) {
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().duplicate, false);
    }
    const progress = results.map((r) => r.json().updates[0].progress as number).sort((a, b) => a - b);
    assert.deepEqual(progress, Array.from({ length: 50 }, (_, i) => i + 1), 'every event saw a distinct count');
    assert.equal((await myQuests(h.app, user)).get('many-clicks')!.progress, 50);
  });

  test('parallel events of many users, with repeated ids, are committed together and each counted once', async () => {
    const users = Array.from({ length: 8 }, () => h.auth.addUser());
    // Every user sends ids 0..9, and ids 0..4 a second time, all at once.
    const sends = users.flatMap((u) => [...Array.from({ length: 10 }, (_, i) => i), 0, 1, 2, 3, 4].map((i) => ({ u, id: `p-${i}` })));
    const results = await Promise.all(sends.map(({ u, id }) => postEvent(u, { id, type: 'click' })));
    for (const r of results) assert.equal(r.statusCode, 200, r.body);
    assert.equal(results.filter((r) => r.json().duplicate).length, 8 * 5, 'each repeated id is a duplicate exactly once');
    for (const u of users) assert.equal((await myQuests(h.app, u)).get('many-clicks')!.progress, 10);
    const counted = await h.sql<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE user_id = ANY($1::uuid[])', [users.map((u) => u.id)]);
    assert.deepEqual(counted, [{ n: 80 }]);
  });

  test('the same event id again is a duplicate with no effect', async () => {
    const user = h.auth.addUser();
    const first = await postEvent(user, { id: 'evt-1', type: 'click' });
    const again = await postEvent(user, { id: 'evt-1', type: 'click' });
    assert.equal(first.json().duplicate, false);
    assert.equal(first.json().eventId, 'evt-1');
    assert.deepEqual(again.json(), { eventId: 'evt-1', duplicate: true, updates: [], completed: [], rewarded: [] });
    assert.equal((await myQuests(h.app, user)).get('many-clicks')!.progress, 1);

    // Event ids are per user: another user may use the same id.
    const other = h.auth.addUser();
    assert.equal((await postEvent(other, { id: 'evt-1', type: 'click' })).json().duplicate, false);
  });

  test('admin batch: backdated logins on 3 local days make sign-in-three-times claimable', async () => {
    const admin = h.auth.addUser({ role: 'admin' });
    const tz = 'America/Los_Angeles';
    const user = h.auth.addUser({ timezone: tz });
    // Calendar days in the user's zone (not 24-hour steps, which a DST change would skew).
    const daysAgoLocal = (days: number) => DateTime.now().setZone(tz).minus({ days }).toUTC().toISO()!;
    // Deliberately out of order: events are applied in occurredAt order.
    const events = [2, 0, 1].map((d) => ({ id: `login-${d}`, userId: user.id, type: 'login', occurredAt: daysAgoLocal(d) }));
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/admin/events', headers: await bearer(admin), payload: { events } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { accepted: 3, duplicates: 0, rejected: [] });

    const view = await h.app.inject({ method: 'GET', url: `/api/v1/admin/users/${user.id}/quests`, headers: await bearer(admin) });
    assert.equal(view.statusCode, 200, view.body);
    const items = new Map(view.json().items.map((i: { quest: { key: string } }) => [i.quest.key, i]));
    const streak = items.get('sign-in-three-times') as Record<string, unknown>;
    assert.equal(streak.status, 'claimable');
    assert.equal(streak.claimable, 1);
    assert.equal(streak.completions, 1);
    assert.deepEqual(streak.streak, { current: 0, best: 3, lastDay: DateTime.now().setZone(tz).toISODate() });
    const daily = items.get('daily-login') as Record<string, unknown>;
    assert.equal(daily.completions, 3);
    assert.equal(daily.status, 'completed');

    // The same batch again: all duplicates.
    const again = await h.app.inject({ method: 'POST', url: '/api/v1/admin/events', headers: await bearer(admin), payload: { events } });
    assert.deepEqual(again.json(), { accepted: 0, duplicates: 3, rejected: [] });

    // The user claims the streak reward.
    const claim = await h.app.inject({ method: 'POST', url: '/api/v1/me/quests/sign-in-three-times/claim', headers: await bearer(user) });
    assert.equal(claim.statusCode, 200, claim.body);
    assert.deepEqual(claim.json(), { rewarded: { items: [{ currency: 'diamond', amount: 10 }], xp: 0, badge: null } });
    await h.drainOutbox();
    assert.equal(h.auth.successfulGrants(questGrantKey(user.id, 'sign-in-three-times', 1)).length, 1);
    for (let n = 1; n <= 3; n++) assert.equal(h.auth.successfulGrants(questGrantKey(user.id, 'daily-login', n)).length, 1);
  });

  test('late events are placed where they belong in time: a login today, then the two days before', async () => {
    const admin = h.auth.addUser({ role: 'admin' });
    const tz = 'Asia/Kolkata';
    const user = h.auth.addUser({ timezone: tz });
    const daysAgoLocal = (days: number) => DateTime.now().setZone(tz).minus({ days }).toUTC().toISO()!;
    // Today's login arrives first (as a real login would), the backfill of the two previous days later, one by one.
    assert.equal((await h.serverEvent(user.id, { id: 'today', type: 'login' })).statusCode, 200);
    for (const d of [2, 1]) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/api/v1/admin/events',
        headers: await bearer(admin),
        payload: { events: [{ id: `late-${d}`, userId: user.id, type: 'login', occurredAt: daysAgoLocal(d) }] },
      });
      assert.deepEqual(res.json(), { accepted: 1, duplicates: 0, rejected: [] });
    }
    const items = await myQuests(h.app, user);
    const streak = items.get('sign-in-three-times') as Record<string, unknown>;
    assert.equal(streak.completions, 1, 'three consecutive local days, whatever the arrival order');
    assert.equal(streak.status, 'claimable');
    const daily = items.get('daily-login') as Record<string, unknown>;
    assert.equal(daily.completions, 3, 'each backfilled day earns its own daily reward');
    await h.drainOutbox();
    for (let n = 1; n <= 3; n++) assert.equal(h.auth.successfulGrants(questGrantKey(user.id, 'daily-login', n)).length, 1);
    // The same late event again changes nothing.
    const dup = await h.app.inject({
      method: 'POST',
      url: '/api/v1/admin/events',
      headers: await bearer(admin),
      payload: { events: [{ id: 'late-2', userId: user.id, type: 'login', occurredAt: daysAgoLocal(2) }] },
    });
    assert.deepEqual(dup.json(), { accepted: 0, duplicates: 1, rejected: [] });
    assert.equal(((await myQuests(h.app, user)).get('daily-login') as Record<string, unknown>).completions, 3);
  });

  test('batches reject banned, unknown and future events by index and apply the rest', async () => {
    const admin = h.auth.addUser({ role: 'admin' });
    const ok = h.auth.addUser();
    const banned = h.auth.addUser({ status: 'banned' });
    const events = [
      { id: 'a', userId: ok.id, type: 'click' },
      { id: 'b', userId: banned.id, type: 'click' },
      { id: 'c', userId: randomUUID(), type: 'click' },
      { id: 'd', userId: ok.id, type: 'click', occurredAt: new Date(Date.now() + 86_400_000).toISOString() },
    ];
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/admin/events', headers: await bearer(admin), payload: { events } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), {
      accepted: 1,
      duplicates: 0,
      rejected: [
        { index: 1, code: 'USER_BANNED' },
        { index: 2, code: 'UNKNOWN_USER' },
        { index: 3, code: 'OCCURRED_IN_FUTURE' },
      ],
    });
  });

  test('auth delivers login events through /internal/events with the internal token', async () => {
    const user = h.auth.addUser();
    const payload = { events: [{ id: randomUUID(), userId: user.id, type: 'login' }] };
    const denied = await h.app.inject({ method: 'POST', url: '/internal/events', payload });
    assert.equal(denied.statusCode, 401);
    assert.equal(denied.json().error.code, 'UNAUTHENTICATED');

    const res = await injectInternal(h.app, INTERNAL_TOKEN, { method: 'POST', url: '/internal/events', payload });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { accepted: 1, duplicates: 0, rejected: [] });
    const retry = await injectInternal(h.app, INTERNAL_TOKEN, { method: 'POST', url: '/internal/events', payload });
    assert.deepEqual(retry.json(), { accepted: 0, duplicates: 1, rejected: [] });
    assert.equal((await myQuests(h.app, user)).get('daily-login')!.completions, 1);
  });

  test('a quest published in the catalog shows up after a refresh; an unchanged catalog answers 304', async () => {
    const user = h.auth.addUser();
    const { catalog } = h.ctx;
    const before304 = h.catalog.notModifiedCount();
    await catalog.refresh();
    assert.equal(h.catalog.notModifiedCount(), before304 + 1);
    assert.equal((await myQuests(h.app, user)).has('new-quest'), false);

    const quests = [...h.catalog.quests(), quest({ key: 'new-quest', objective: { event: 'jump', mode: 'count', target: 2 } })];
    h.catalog.setQuests(quests, undefined, reportableTypesOf(quests));
    const refreshed = await injectInternal(h.app, INTERNAL_TOKEN, { method: 'POST', url: '/internal/catalog/refresh' });
    assert.equal(refreshed.statusCode, 200, refreshed.body);
    assert.equal(refreshed.json().quests, 4);
    assert.equal((await postEvent(user, { type: 'jump' })).json().updates[0].progress, 1);
    assert.equal((await myQuests(h.app, user)).get('new-quest')!.progress, 1);
  });

  test('readiness reports the loaded catalog', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().checks, { database: 'ok', catalog: 'ok' });
  });
});

describe('progress without a catalog', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('progress_nocat', [dailyLogin]);
    await h.catalog.close();
  });
  after(async () => {
    await h.close().catch(() => undefined);
  });

  test('keeps the last copy when the catalog goes away', async () => {
    await assert.rejects(h.ctx.catalog.refresh());
    assert.equal(h.ctx.catalog.snapshot?.quests.length, 1);
    assert.equal((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  });

  test('a service that never loaded the catalog and has no stored copy is not ready and refuses events', async () => {
    // The first app stored its copy; without it a new process has nothing to start from.
    await h.sql('DELETE FROM catalog_snapshot');
    const { app: replica } = await h.buildReplica();
    const ready = await replica.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json().checks.database, 'ok');
    const user = h.auth.addUser();
    const res = await h.serverEvent(user.id, { type: 'login' }, replica);
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().error.code, 'UPSTREAM_UNAVAILABLE');
  });
});
