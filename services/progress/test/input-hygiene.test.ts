import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { InternalUser } from '@questline/contracts';
import { injectInternal } from '@questline/testkit';
import { startHarness, type Harness } from './support/harness.js';
import { dailyLogin, quest } from './support/quests.js';
import { INTERNAL_TOKEN } from './support/stand-ins.js';

const clicks = quest({ key: 'clicks', objective: { event: 'click', mode: 'count', target: 1000 } });

/** Strings PostgreSQL cannot store as sent (lone UTF-16 surrogates, NUL), and unknown users on /me. */
describe('progress input hygiene (integration)', () => {
  let h: Harness;
  let admin: InternalUser;
  const bearer = async (user: Pick<InternalUser, 'id' | 'role' | 'status' | 'timezone'>) => ({ authorization: `Bearer ${await h.auth.token(user)}` });
  const storedEvents = async (userId: string) => (await h.sql<{ id: string }>('SELECT id FROM events WHERE user_id = $1', [userId])).map((r) => r.id).sort();

  before(async () => {
    h = await startHarness('progress_hygiene', [dailyLogin, clicks]);
    admin = h.auth.addUser({ role: 'admin' });
  });
  after(async () => {
    await h.close();
  });

  test('POST /events: a lone surrogate in the id, an attribute key or value → 400 VALIDATION_FAILED naming the field, nothing stored', async () => {
    const user = h.auth.addUser();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ id: 'evt-\ud800', type: 'click' }, 'id'],
      [{ id: 'evt-1', type: 'click', attributes: { ['lvl\udc00']: 'a' } }, 'attributes.lvl\udc00'],
      [{ id: 'evt-2', type: 'click', attributes: { level: 'a\ud83d' } }, 'attributes.level'],
      [{ id: 'evt-3', type: 'click', attributes: { level: 'a\u0000' } }, 'attributes.level'],
    ];
    for (const [payload, field] of cases) {
      const res = await h.app.inject({ method: 'POST', url: '/api/v1/events', headers: await bearer(user), payload });
      assert.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.body}`);
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
      assert.equal(res.json().error.field, field);
    }
    assert.deepEqual(await storedEvents(user.id), []);
    // The id PostgreSQL would have stored instead (U+FFFD) is a new event, not a duplicate.
    const replaced = await h.app.inject({ method: 'POST', url: '/api/v1/events', headers: await bearer(user), payload: { id: 'evt-\ufffd', type: 'click' } });
    assert.equal(replaced.statusCode, 200, replaced.body);
    assert.equal(replaced.json().duplicate, false);
    // Paired surrogates (emoji) are fine anywhere.
    const emoji = await h.app.inject({ method: 'POST', url: '/api/v1/events', headers: await bearer(user), payload: { id: 'evt-😀', type: 'click', attributes: { '🏳️‍🌈': '👩‍👩‍👧' } } });
    assert.equal(emoji.statusCode, 200, emoji.body);
    assert.deepEqual(await storedEvents(user.id), ['evt-😀', 'evt-\ufffd'].sort());
  });

  for (const route of ['POST /api/v1/admin/events', 'POST /internal/events'] as const) {
    test(`${route}: only the events holding a lone surrogate or a NUL are rejected (VALIDATION_FAILED), the others applied`, async () => {
      const user = h.auth.addUser();
      const events = [
        { id: 'good-1', userId: user.id, type: 'click' },
        { id: 'bad-\ud800', userId: user.id, type: 'click' },
        { id: 'bad-attr-key', userId: user.id, type: 'click', attributes: { ['k\udfff']: 1 } },
        { id: 'bad-attr-value', userId: user.id, type: 'click', attributes: { k: 'v\udbff' } },
        { id: 'bad-nul\u0000', userId: user.id, type: 'click' },
        { id: 'good-2', userId: user.id, type: 'click', attributes: { k: 'v' } },
      ];
      const res =
        route === 'POST /internal/events'
          ? await injectInternal(h.app, INTERNAL_TOKEN, { method: 'POST', url: '/internal/events', payload: { events } })
          : await h.app.inject({ method: 'POST', url: '/api/v1/admin/events', headers: await bearer(admin), payload: { events } });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {
        accepted: 2,
        duplicates: 0,
        rejected: [1, 2, 3, 4].map((index) => ({ index, code: 'VALIDATION_FAILED' })),
      });
      assert.deepEqual(await storedEvents(user.id), ['good-1', 'good-2']);
    });
  }

  test('a batch with a lone surrogate outside its events is refused whole (400)', async () => {
    const user = h.auth.addUser();
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/admin/events',
      headers: { ...(await bearer(admin)), 'content-type': 'application/json' },
      payload: JSON.stringify({ events: [{ id: 'e', userId: user.id, type: 'click' }], ['x\ud800']: 1 }),
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'VALIDATION_FAILED');
    assert.deepEqual(await storedEvents(user.id), []);
  });

  test('GET /me/quests with a token whose user does not exist → 401 UNAUTHENTICATED, as on every /me route', async () => {
    const ghost = { id: randomUUID(), role: 'player' as const, status: 'active' as const, timezone: 'UTC' };
    for (const [method, url] of [
      ['GET', '/api/v1/me/quests'],
      ['POST', '/api/v1/events'],
      ['POST', '/api/v1/me/quests/clicks/claim'],
    ] as const) {
      const res = await h.app.inject({ method, url, headers: await bearer(ghost), payload: url.endsWith('events') ? { type: 'click' } : undefined });
      assert.equal(res.statusCode, 401, `${method} ${url}: ${res.body}`);
      assert.equal(res.json().error.code, 'UNAUTHENTICATED');
    }
    assert.equal((await h.sql('SELECT 1 FROM user_profiles WHERE id = $1', [ghost.id])).length, 0, 'nothing stored about the ghost');
  });
});
