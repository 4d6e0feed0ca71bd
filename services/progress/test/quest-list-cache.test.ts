import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { InternalUser } from '@questline/contracts';
import { readQuestList } from '../src/db/user-quests.repository.js';
import type { ProgressApp } from '../src/app.js';
import { profileOf, startHarness, type Harness } from './support/harness.js';
import { quest, tenGold } from './support/quests.js';

// GET /me/quests is kept rendered per replica (use-cases/quest-list-cache.ts): these tests hold it to
// "never older than the last committed change, whichever replica made it".
const taps = quest({ key: 'taps', objective: { event: 'tap', mode: 'count', target: 1000 }, reward: tenGold });
const once = quest({ key: 'once', objective: { event: 'ping', mode: 'count', target: 1 }, reward: tenGold, maxCompletions: 1 });
const dailyTaps = quest({ key: 'daily-taps', objective: { event: 'tap', mode: 'count', target: 1000 }, reward: tenGold, repeat: 'daily' });
const later = quest({ key: 'later', objective: { event: 'tap', mode: 'count', target: 5 }, reward: tenGold });

type View = { quest: { key: string }; progress: number; claimable: number; status: string; periodEndsAt: string | null };

describe('rendered quest lists (cached per replica)', () => {
  let h: Harness;
  let replica: ProgressApp;
  const bearer = async (user: InternalUser) => ({ authorization: `Bearer ${await h.auth.token(user)}` });

  async function list(app: ProgressApp, user: InternalUser): Promise<View[]> {
    const res = await app.app.inject({ method: 'GET', url: '/api/v1/me/quests', headers: await bearer(user) });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    return res.json().items as View[];
  }
  const viewOf = (items: View[], key: string) => items.find((v) => v.quest.key === key);
  async function reads(app: ProgressApp) {
    const metric = await app.ctx.counters.questListReads.get();
    const of = (result: string) => metric.values.find((v) => v.labels.result === result)?.value ?? 0;
    return { hit: of('hit'), rendered: of('rendered') };
  }
  const main = (): ProgressApp => ({ app: h.app, ctx: h.ctx }) as ProgressApp;

  before(async () => {
    h = await startHarness('progress_quest_list_cache', [taps, once, dailyTaps]);
    replica = await h.buildReplica();
  });
  after(async () => {
    await h.close();
  });

  test('an event then an immediate read never shows the old list, on either replica', async () => {
    const user = h.auth.addUser();
    const headers = await bearer(user);
    for (let i = 1; i <= 12; i++) {
      // Both replicas hold the list rendered before this event.
      await list(main(), user);
      await list(replica, user);
      const writer = i % 2 === 0 ? h.app : replica.app;
      const res = await writer.inject({ method: 'POST', url: '/api/v1/events', headers, payload: { type: 'tap' } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(viewOf(await list(main(), user), 'taps')?.progress, i, `event ${i}, read on the first replica`);
      assert.equal(viewOf(await list(replica, user), 'taps')?.progress, i, `event ${i}, read on the second replica`);
    }
  });

  test('an unchanged list is served from the rendered copy, byte for byte', async () => {
    const user = h.auth.addUser();
    const headers = await bearer(user);
    await h.app.inject({ method: 'POST', url: '/api/v1/events', headers, payload: { type: 'tap' } });
    const first = await h.app.inject({ method: 'GET', url: '/api/v1/me/quests', headers });
    const before = await reads(main());
    const second = await h.app.inject({ method: 'GET', url: '/api/v1/me/quests', headers });
    const afterwards = await reads(main());
    assert.equal(second.body, first.body);
    assert.equal(afterwards.hit - before.hit, 1);
    assert.equal(afterwards.rendered - before.rendered, 0);
  });

  test('a claim on one replica shows on the other at once', async () => {
    const user = h.auth.addUser();
    const headers = await bearer(user);
    await h.app.inject({ method: 'POST', url: '/api/v1/events', headers, payload: { type: 'ping' } });
    assert.equal(viewOf(await list(replica, user), 'once')?.claimable, 1);
    const claim = await h.app.inject({ method: 'POST', url: '/api/v1/me/quests/once/claim', headers });
    assert.equal(claim.statusCode, 200, claim.body);
    const view = viewOf(await list(replica, user), 'once');
    assert.equal(view?.claimable, 0);
    assert.equal(view?.status, 'maxed');
  });

  test('a timezone change or a ban pushed by auth is seen by the next read', async () => {
    const user = h.auth.addUser({ timezone: 'UTC' });
    assert.equal(await h.pushProfile(profileOf(user, { version: 1 }), replica.app), 204);
    // Not a tap: daily-taps keeps no UTC period in progress, so its period is the zone's own.
    await h.serverEvent(user.id, { type: 'ping' }, replica.app);
    const utc = await list(replica, user);
    // Kept: the second read is a hit.
    let before = await reads(replica);
    assert.deepEqual(await list(replica, user), utc);
    assert.equal((await reads(replica)).hit - before.hit, 1);
    // A zone change draws no version (states are unchanged): the zone itself ends the kept copy.
    assert.equal(await h.pushProfile(profileOf(user, { timezone: 'Asia/Tokyo', version: 2 })), 204);
    before = await reads(replica);
    const tokyo = await list(replica, user);
    assert.equal((await reads(replica)).rendered - before.rendered, 1);
    assert.notEqual(viewOf(tokyo, 'daily-taps')?.periodEndsAt, viewOf(utc, 'daily-taps')?.periodEndsAt);
    assert.equal(new Date(viewOf(tokyo, 'daily-taps')!.periodEndsAt!).getUTCHours(), 15);
    assert.equal(viewOf(tokyo, 'once')?.claimable, 1);
    // And Tokyo's list is kept in turn.
    before = await reads(replica);
    assert.deepEqual(await list(replica, user), tokyo);
    assert.equal((await reads(replica)).hit - before.hit, 1);
    assert.equal(await h.pushProfile(profileOf(user, { status: 'banned', version: 3 })), 204);
    const banned = await replica.app.inject({ method: 'GET', url: '/api/v1/me/quests', headers: await bearer(user) });
    assert.equal(banned.statusCode, 403);
    assert.equal(banned.json().error.code, 'USER_BANNED');
  });

  test('a new catalog revision renders the list again', async () => {
    const user = h.auth.addUser();
    assert.equal(viewOf(await list(replica, user), 'later'), undefined);
    h.catalog.setQuests([taps, once, later]);
    await replica.ctx.catalog.refresh();
    assert.equal(viewOf(await list(replica, user), 'later')?.progress, 0);
    h.catalog.setQuests([taps, once]);
    await replica.ctx.catalog.refresh();
    assert.equal(viewOf(await list(replica, user), 'later'), undefined);
  });

  test('any write of a user\'s states draws a new version in its own transaction, even one outside the service', async () => {
    const user = h.auth.addUser();
    await h.serverEvent(user.id, { type: 'tap' });
    const first = await readQuestList(h.ctx.db, user.id);
    assert.ok(first.version > 0);
    assert.equal(first.states.size, 2);
    // The version the caller already has: the states are not read again.
    const known = await readQuestList(h.ctx.db, user.id, first.version);
    assert.equal(known.version, first.version);
    assert.equal(known.states.size, 0);
    assert.equal(known.profile?.status, first.profile?.status);
    // A hand-made fix by an operator counts as a change too (a trigger, not the service, draws it).
    await h.sql('UPDATE user_quests SET progress = progress + 1 WHERE user_id = $1', [user.id]);
    const fixed = await readQuestList(h.ctx.db, user.id, first.version);
    assert.ok(fixed.version > first.version);
    assert.equal(fixed.states.get('taps')?.progress, 2);
    assert.equal(viewOf(await list(replica, user), 'taps')?.progress, 2);
    // A rolled-back write leaves the version as it was.
    await h.sql(`BEGIN; UPDATE user_quests SET progress = 99 WHERE user_id = '${user.id}'; ROLLBACK`);
    assert.equal((await readQuestList(h.ctx.db, user.id)).version, fixed.version);
    // TRUNCATE fires no row trigger: its own draws every number anew (inside a rolled-back
    // transaction here, so the other tests' states stay).
    const client = new pg.Client({ connectionString: h.db.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('TRUNCATE user_quests');
      const { rows } = await client.query<{ version: number }>('SELECT version::int AS version FROM quest_list_versions WHERE user_id = $1', [user.id]);
      assert.ok(rows[0]!.version > fixed.version);
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
  });

  test('a user without any state has version 0 and an empty list of progress', async () => {
    const user = h.auth.addUser();
    // Version 0 (no version row) is never kept: a state written before migration 010 draws no number.
    await list(main(), user);
    const before = await reads(main());
    const items = await list(main(), user);
    assert.ok(items.every((v) => v.progress === 0));
    assert.equal((await reads(main())).hit - before.hit, 0);
    const read = await readQuestList(h.ctx.db, user.id, 0);
    assert.equal(read.version, 0);
    assert.equal(read.states.size, 0);
    // The first state draws a version: the copy rendered without it is not served again.
    await h.serverEvent(user.id, { type: 'tap' });
    assert.equal(viewOf(await list(main(), user), 'taps')?.progress, 1);
  });
});

describe('rendered quest lists turned off (QUEST_LIST_CACHE_MB=0)', () => {
  test('every read renders the list; nothing is kept', async () => {
    const h = await startHarness('progress_quest_list_nocache', [taps], { QUEST_LIST_CACHE_MB: '0' });
    try {
      const user = h.auth.addUser();
      const headers = { authorization: `Bearer ${await h.auth.token(user)}` };
      await h.serverEvent(user.id, { type: 'tap' });
      const bodies = [];
      for (let i = 0; i < 3; i++) bodies.push((await h.app.inject({ method: 'GET', url: '/api/v1/me/quests', headers })).json());
      assert.deepEqual(bodies[2], bodies[1]);
      const metric = await h.ctx.counters.questListReads.get();
      assert.equal(metric.values.find((v) => v.labels.result === 'hit')?.value ?? 0, 0);
      assert.equal(h.ctx.questLists.bytes, 0);
    } finally {
      await h.close();
    }
  });
});
