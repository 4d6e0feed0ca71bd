/**
 * Progress stores its last good catalog copy in its own database and starts from it, so a progress
 * restarted while the catalog is down keeps applying events instead of refusing them all.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InternalUser } from '@questline/contracts';
import type { App } from '../src/app.js';
import { reportableTypesOf, startHarness, type Harness } from './support/harness.js';
import { dailyLogin, quest } from './support/quests.js';

const clicks = quest({ key: 'clicks', objective: { event: 'click', mode: 'count', target: 5 } });
const taps = quest({ key: 'taps', objective: { event: 'tap', mode: 'count', target: 5 } });

describe('the stored catalog copy', () => {
  let h: Harness;
  let user: InternalUser;
  const stored = async () => (await h.sql<{ revision: string; body: { quests: Array<{ key: string }> } }>('SELECT revision, body FROM catalog_snapshot'))[0];
  const post = async (app: App, type: string) =>
    app.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${await h.auth.token(user)}` }, payload: { type } });
  const progressOn = async (key: string) =>
    Number((await h.sql<{ progress: string }>('SELECT progress FROM user_quests WHERE user_id = $1 AND quest_key = $2', [user.id, key]))[0]?.progress);

  before(async () => {
    h = await startHarness('progress_catalog_copy', [dailyLogin, clicks]);
    user = h.auth.addUser();
  });
  after(async () => {
    await h.close();
  });

  test('the copy loaded at start-up is stored, and so is every new revision', async () => {
    assert.equal((await stored())?.revision, '1');
    h.catalog.setQuests([dailyLogin, clicks, taps], undefined, reportableTypesOf([clicks, taps]));
    await h.ctx.catalog.refresh();
    const row = await stored();
    assert.equal(row?.revision, '2');
    assert.deepEqual(row?.body.quests.map((q) => q.key), ['daily-login', 'clicks', 'taps']);
  });

  test('a process starting from the stored copy asks the catalog If-None-Match its revision (304)', async () => {
    const before304 = h.catalog.notModifiedCount();
    const replica = await h.buildReplica();
    assert.equal(h.catalog.notModifiedCount(), before304 + 1);
    assert.equal(replica.ctx.catalog.snapshot?.revision, '2');
  });

  test('restarted while the catalog is down: ready, and events are applied on the stored copy', async () => {
    assert.equal((await post(h.app, 'click')).statusCode, 200);
    await h.catalog.close();
    const { app: restarted } = await h.buildReplica();
    const ready = await restarted.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200, ready.body);
    assert.deepEqual(ready.json().checks, { database: 'ok', catalog: 'ok' });

    const res = await post(restarted, 'click');
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(
      res.json().updates.map((u: { questKey: string; progress: number }) => [u.questKey, u.progress]),
      [['clicks', 2]],
    );
    assert.equal(await progressOn('clicks'), 2);
    // A quest only the stored copy knows (revision 2) counts too.
    assert.equal((await post(restarted, 'tap')).statusCode, 200);
    assert.equal(await progressOn('taps'), 1);
  });

  test('a stored copy that fails the schema check is ignored: not ready, events refused', async () => {
    await h.sql(`UPDATE catalog_snapshot SET body = '{"revision":"2","quests":[{"key":"clicks"}]}'::jsonb`);
    const { app: restarted } = await h.buildReplica();
    assert.equal((await restarted.inject({ method: 'GET', url: '/readyz' })).statusCode, 503);
    const res = await post(restarted, 'click');
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().error.code, 'UPSTREAM_UNAVAILABLE');
  });
});
