/**
 * What progress tells its live feeds besides quest changes, against its real database and LISTEN
 * connection: a profile push with a new timezone asks for the whole list once (a role change, a
 * repeated or older version ask for nothing), and a new catalog revision reaches every feed of the
 * replica, even when another listener of revisions fails.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { UserProfileUpdate } from '@questline/contracts';
import type { ChangeNotice } from '@questline/platform';
import { eventually } from '@questline/testkit';
import { startHarness, type Harness } from './support/harness.js';
import { quest } from './support/quests.js';

const first = quest({ key: 'first', objective: { event: 'tap', mode: 'count', target: 1 } });
let h: Harness;

before(async () => {
  h = await startHarness('progress_live_notices', [first]);
});
after(async () => {
  await h?.close();
});

function listen(userId: string) {
  const got: ChangeNotice[] = [];
  const stop = h.ctx.listener.subscribe(userId, { onNotice: (n) => got.push(n), onGap: () => undefined });
  return { got, stop };
}

const settle = () => new Promise((r) => setTimeout(r, 300));

describe('notices to the live feeds', () => {
  test('a new timezone asks for the whole list once; a role change or a repeated version asks for nothing', async () => {
    assert.ok(h.ctx.listener.listening, 'the replica listens');
    const user = h.auth.addUser({ timezone: 'UTC' });
    const profile = (over: Partial<UserProfileUpdate> & { version: number }): UserProfileUpdate => ({ id: user.id, role: 'player', status: 'active', timezone: 'UTC', ...over });
    assert.equal(await h.pushProfile(profile({ version: 1 })), 204);
    const feed = listen(user.id);
    try {
      assert.equal(await h.pushProfile(profile({ version: 2, role: 'admin' })), 204);
      assert.equal(await h.pushProfile(profile({ version: 3, timezone: 'Asia/Tokyo' })), 204);
      await eventually(async () => (feed.got.length > 0 ? true : undefined), 5000, 'the notice of the new zone');
      assert.equal(await h.pushProfile(profile({ version: 3, timezone: 'Asia/Tokyo' })), 204, 'a repeated version');
      assert.equal(await h.pushProfile(profile({ version: 2, timezone: 'Europe/Paris' })), 204, 'an older version');
      await settle();
      assert.deepEqual(feed.got, [{ u: user.id, q: [], all: true }]);
    } finally {
      feed.stop();
    }
  });

  test('a new catalog revision reaches every feed of the replica, though another listener of revisions throws', async () => {
    h.ctx.catalog.onNewRevision(() => {
      throw new Error('a broken listener');
    });
    const feeds = [listen('feed-a'), listen('feed-b')];
    try {
      h.catalog.setQuests([first, quest({ key: 'second', objective: { event: 'tap', mode: 'count', target: 2 } })]);
      const snapshot = await h.ctx.catalog.refresh();
      assert.ok(snapshot?.byKey.has('second'), 'the new copy is in use: the failing listener is not a catalog failure');
      for (const [i, f] of feeds.entries()) {
        await eventually(async () => (f.got.length === 1 ? true : undefined), 5000, `feed ${i}`);
        assert.equal((f.got[0] as { all?: boolean }).all, true);
      }
      await h.ctx.catalog.refresh();
      await settle();
      assert.deepEqual(feeds.map((f) => f.got.length), [1, 1], 'the same revision again tells no one');
    } finally {
      for (const f of feeds) f.stop();
    }
  });
});
