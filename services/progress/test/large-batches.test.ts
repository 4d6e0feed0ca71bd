/**
 * Regression (found by `npm run bench`'s 50-quest catalog): a batch's shared statements carried
 * one bind parameter per column per row, and PostgreSQL takes at most 65,535 a statement. A
 * 1,000-event batch for 1,000 users with 12 auto-claim quests on the event type wrote 12,000 quest
 * states (180,000 parameters), 12,000 completions and 12,000 grants, and answered 500.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './support/harness.js';
import { quest } from './support/quests.js';

const QUESTS = Array.from({ length: 12 }, (_, i) => quest({ key: `match-${i}`, objective: { event: 'match', mode: 'count', target: 1 }, autoClaim: true }));

describe('large batches (integration)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('progress_large', QUESTS);
  });
  after(async () => {
    await h.close();
  });

  test('1,000 events of 1,000 users, each completing 12 quests, are all applied', async () => {
    const admin = h.auth.addUser({ role: 'admin' });
    const users = Array.from({ length: 1000 }, () => h.auth.addUser());
    const events = users.map((u, i) => ({ id: `big-${i}`, userId: u.id, type: 'match' }));
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/admin/events',
      headers: { authorization: `Bearer ${await h.auth.token(admin)}` },
      payload: { events },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { accepted: 1000, duplicates: 0, rejected: [] });

    const count = async (table: string) => Number((await h.sql<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n);
    assert.equal(await count('user_quests'), 12_000);
    assert.equal(await count('completions'), 12_000);
    assert.equal(await count('grant_outbox'), 12_000);
    assert.equal(await count("grant_outbox WHERE payload->'message'->>'type' = 'quest.completed'"), 12_000, 'one quest.completed per completion, each with its grant');
    assert.equal(await count('webhook_outbox'), 0, 'none of them alone');

    // The same batch again is 1,000 duplicates and changes nothing.
    const again = await h.app.inject({ method: 'POST', url: '/api/v1/admin/events', headers: { authorization: `Bearer ${await h.auth.token(admin)}` }, payload: { events } });
    assert.deepEqual(again.json(), { accepted: 0, duplicates: 1000, rejected: [] });
    assert.equal(await count('completions'), 12_000);
  });

  test('ids and attributes with quotes, backslashes, braces, commas and "NULL" come through the array parameters intact', async () => {
    const admin = h.auth.addUser({ role: 'admin' });
    const user = h.auth.addUser();
    const awkward = ['"quoted"', 'back\\slash', '{braces}', 'a,b', 'NULL', 'null', ' spaced ', 'ünï©ødé ✓', "it's"];
    const events = awkward.map((id) => ({ id, userId: user.id, type: 'match', attributes: { note: id, n: 1 } }));
    const post = async () =>
      h.app.inject({ method: 'POST', url: '/api/v1/admin/events', headers: { authorization: `Bearer ${await h.auth.token(admin)}` }, payload: { events } });
    const first = await post();
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual(first.json(), { accepted: awkward.length, duplicates: 0, rejected: [] });
    const stored = await h.sql<{ id: string; attributes: { note: string } }>('SELECT id, attributes FROM events WHERE user_id = $1 ORDER BY id', [user.id]);
    assert.deepEqual(stored.map((r) => r.id).sort(), [...awkward].sort());
    for (const r of stored) assert.equal(r.attributes.note, r.id);
    // Each stored id is recognised again: the same events are duplicates, not new ones.
    assert.deepEqual((await post()).json(), { accepted: 0, duplicates: awkward.length, rejected: [] });
  });
});
