import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { injectInternal } from '@questline/testkit';
import { INTERNAL_TOKEN, bearer, questBody, startCatalog, type Harness } from './helpers.js';

let h: Harness;
before(async () => {
  h = await startCatalog('catalog_event_types');
});
after(async () => {
  await h.close();
});

const KEY_SECRET = `qlk_AbCd1234_${'k'.repeat(43)}`;
const READ_ONLY_SECRET = `qlk_EfGh5678_${'r'.repeat(43)}`;

const put = (type: string, payload: object, headers: Record<string, string> = bearer(h.adminToken)) =>
  h.app.inject({ method: 'PUT', url: `/api/v1/admin/event-types/${encodeURIComponent(type)}`, headers, payload });
const list = (headers: Record<string, string> = bearer(h.adminToken)) => h.app.inject({ url: '/api/v1/admin/event-types', headers });
const poll = (etag?: string) => injectInternal(h.app, INTERNAL_TOKEN, { url: '/internal/quests', headers: etag ? { 'if-none-match': etag } : {} });

describe('event types', () => {
  test('the seed: login is listed as used by both seeded quests, undeclared and server-only', async () => {
    const res = await list();
    assert.equal(res.statusCode, 200);
    const login = res.json().items.find((t: { type: string }) => t.type === 'login');
    assert.deepEqual(login, {
      type: 'login',
      description: '',
      playerReportable: false,
      maxValue: null,
      playerDailyLimit: null,
      declared: false,
      usedBy: ['daily-login', 'sign-in-three-times'],
      updatedAt: null,
    });
  });

  test('declare, replace, and the list shows declared types with the quests that listen to them', async () => {
    const created = await put('match.won', { description: 'a match the player won', playerReportable: true, maxValue: 100, playerDailyLimit: 10 });
    assert.equal(created.statusCode, 200, created.body);
    assert.deepEqual({ ...created.json().eventType, updatedAt: undefined }, {
      type: 'match.won',
      description: 'a match the player won',
      playerReportable: true,
      maxValue: 100,
      playerDailyLimit: 10,
      declared: true,
      usedBy: [],
      updatedAt: undefined,
    });
    // A draft listening to it counts; an archived quest does not.
    assert.equal((await h.app.inject({ method: 'POST', url: '/api/v1/admin/quests', headers: bearer(h.adminToken), payload: questBody('win-three') })).statusCode, 201);
    assert.equal((await h.app.inject({ method: 'POST', url: '/api/v1/admin/quests', headers: bearer(h.adminToken), payload: questBody('win-gone') })).statusCode, 201);
    assert.equal((await h.app.inject({ method: 'POST', url: '/api/v1/admin/quests/win-gone/publish', headers: bearer(h.adminToken) })).statusCode, 200);
    assert.equal((await h.app.inject({ method: 'POST', url: '/api/v1/admin/quests/win-gone/archive', headers: bearer(h.adminToken) })).statusCode, 200);

    // PUT replaces: omitted optional fields go back to null / ''.
    const replaced = await put('match.won', { playerReportable: false });
    assert.equal(replaced.statusCode, 200);
    assert.deepEqual(
      { ...replaced.json().eventType, updatedAt: undefined },
      { type: 'match.won', description: '', playerReportable: false, maxValue: null, playerDailyLimit: null, declared: true, usedBy: ['win-three'], updatedAt: undefined },
    );
    const items = (await list()).json().items as Array<{ type: string; declared: boolean; usedBy: string[] }>;
    assert.deepEqual(items.map((t) => t.type), [...items.map((t) => t.type)].sort());
    assert.deepEqual(items.find((t) => t.type === 'match.won')?.usedBy, ['win-three']);

    const audit = await h.app.inject({ url: '/api/v1/admin/audit?entity=event_type&entityKey=match.won', headers: bearer(h.adminToken) });
    assert.equal(audit.statusCode, 200);
    const rows = audit.json().items as Array<{ action: string; actorId: string; details: Record<string, unknown> }>;
    assert.deepEqual(rows.map((r) => r.action), ['event_type.update', 'event_type.declare']);
    assert.equal(rows[0]!.actorId, `user:${h.adminId}`);
    assert.deepEqual(rows[0]!.details.previous, { description: 'a match the player won', playerReportable: true, maxValue: 100, playerDailyLimit: 10 });
  });

  test('a change reaches the feed progress polls (a new revision carrying the rules); an unchanged PUT does not', async () => {
    const first = await poll();
    const etag = String(first.headers.etag);
    assert.equal((await poll(etag)).statusCode, 304);
    assert.equal((await put('gem.collected', { playerReportable: true, playerDailyLimit: 5 })).statusCode, 200);
    const next = await poll(etag);
    assert.equal(next.statusCode, 200);
    assert.deepEqual(
      next.json().eventTypes.find((t: { type: string }) => t.type === 'gem.collected'),
      { type: 'gem.collected', playerReportable: true, maxValue: null, playerDailyLimit: 5 },
    );
    const etag2 = String(next.headers.etag);
    assert.equal((await put('gem.collected', { playerReportable: true, playerDailyLimit: 5 })).statusCode, 200);
    assert.equal((await poll(etag2)).statusCode, 304, 'the same declaration again changes nothing');
  });

  test('login can never be player-reportable (409 EVENT_TYPE_RESERVED, nothing stored); declaring it server-only is fine', async () => {
    const refused = await put('login', { playerReportable: true });
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().error.code, 'EVENT_TYPE_RESERVED');
    const login = (await list()).json().items.find((t: { type: string }) => t.type === 'login');
    assert.equal(login.declared, false);
    const ok = await put('login', { description: 'emitted by auth on every login', playerReportable: false });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json().eventType.declared, true);
    assert.deepEqual(ok.json().eventType.usedBy, ['daily-login', 'sign-in-three-times']);
  });

  test('bad input is a precise 400 naming the field, nothing stored', async () => {
    const cases: Array<[string, object, string]> = [
      ['Bad Type', { playerReportable: true }, 'type'],
      ['-dash', { playerReportable: true }, 'type'],
      ['x'.repeat(65), { playerReportable: true }, 'type'],
      ['ok.type', { playerReportable: true, maxValue: 0 }, 'maxValue'],
      ['ok.type', { playerReportable: true, playerDailyLimit: 0 }, 'playerDailyLimit'],
      ['ok.type', { playerReportable: true, maxValue: 1.5 }, 'maxValue'],
      ['ok.type', { playerReportable: 'yes' }, 'playerReportable'],
      ['ok.type', {}, 'playerReportable'],
      ['ok.type', { playerReportable: true, bogus: 1 }, 'bogus'],
    ];
    for (const [type, body, field] of cases) {
      const res = await put(type, body);
      assert.equal(res.statusCode, 400, `${type} ${JSON.stringify(body)}`);
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
      assert.equal(res.json().error.field, field, `${type} ${JSON.stringify(body)}: ${res.body}`);
    }
    assert.equal((await list()).json().items.some((t: { type: string }) => t.type === 'ok.type'), false);
  });

  test('security: no token 401, player 403, banned admin 403; a key with catalog:write passes, one without is 403, an unknown key 401', async () => {
    for (const call of [() => list({}), () => put('sec.type', { playerReportable: true }, {})]) {
      const res = await call();
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error.code, 'UNAUTHENTICATED');
    }
    assert.equal((await list(bearer(h.playerToken))).json().error.code, 'FORBIDDEN');
    assert.equal((await put('sec.type', { playerReportable: true }, bearer(h.playerToken))).statusCode, 403);
    const banned = await put('sec.type', { playerReportable: true }, bearer(await h.issuer.sign({ role: 'admin', status: 'banned' })));
    assert.equal(banned.json().error.code, 'USER_BANNED');

    const keyId = randomUUID();
    h.issuer.keys.set(KEY_SECRET, { id: keyId, name: 'backend', prefix: 'AbCd1234', scopes: ['catalog:write'] });
    h.issuer.keys.set(READ_ONLY_SECRET, { id: randomUUID(), name: 'reader', prefix: 'EfGh5678', scopes: ['users:read'] });
    assert.equal((await list(bearer(KEY_SECRET))).statusCode, 200);
    const byKey = await put('sec.type', { playerReportable: true }, bearer(KEY_SECRET));
    assert.equal(byKey.statusCode, 200, byKey.body);
    const audit = await h.app.inject({ url: '/api/v1/admin/audit?entity=event_type&entityKey=sec.type', headers: bearer(h.adminToken) });
    assert.equal(audit.json().items[0].actorId, `key:${keyId}`);
    const scopeless = await put('sec.type', { playerReportable: false }, bearer(READ_ONLY_SECRET));
    assert.equal(scopeless.statusCode, 403);
    assert.match(scopeless.json().error.message, /catalog:write/);
    const unknown = await list(bearer(`qlk_ZzZz9999_${'u'.repeat(43)}`));
    assert.equal(unknown.statusCode, 401);
    assert.equal((await list()).json().items.find((t: { type: string }) => t.type === 'sec.type').playerReportable, true);
  });
});
