/**
 * The players' live stream (api.md v1.2, Server-Sent Events) through the gateway: tickets (once,
 * 30 s), the snapshot equal to GET /me and GET /me/quests, the `quest`, `reward` and `user` events
 * of an admin's backfilled event that completes an auto-claim quest, a debit, a timezone change and a
 * catalog change (the whole list again), a completion that unlocks a dependent, a ban that ends
 * the stream, and the refusals (no credential, a key, a banned user, a used or expired ticket).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { freePort, serviceEnv, spawnService, waitReady, type ServiceProcess } from '@questline/devstack';
import { apiClient, eventually, openSse, startTestStack, type ApiCall, type SseConnection, type SseEvent, type TestStack } from '@questline/testkit';

let stack: TestStack;
let api: ApiCall;
let adminToken: string;
let authDb: pg.Client;
const extra: ServiceProcess[] = [];
const tag = randomBytes(3).toString('hex');
const open: SseConnection[] = [];

async function player(name: string): Promise<{ id: string; token: string }> {
  const username = `${name}${tag}`;
  const signup = await api('POST', '/api/v1/auth/signup', { body: { username, password: 'correct-horse-battery', timezone: 'UTC' } });
  assert.equal(signup.status, 201, JSON.stringify(signup.body));
  const login = await api('POST', '/api/v1/auth/login', { body: { username, password: 'correct-horse-battery' } });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  // The login's own daily-login reward is paid before the test looks.
  await eventually(async () => ((await api('GET', '/api/v1/me', { token: login.body.accessToken })).body.user.balances.gold === 10 ? true : undefined), 15_000, 'the login reward');
  return { id: signup.body.user.id, token: login.body.accessToken };
}

async function ticketFor(token: string): Promise<string> {
  const res = await api('POST', '/api/v1/me/stream-tickets', { token });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.ticket;
}

async function stream(query: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const conn = await openSse(`${stack.gateway}/api/v1/me/stream${query}`, headers);
  open.push(conn);
  return conn;
}

const yesterdayNoon = () => {
  const d = new Date();
  d.setUTCHours(12, 0, 0, 0);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString();
};

before(async () => {
  stack = await startTestStack({ name: 'livestream', extraEnv: { gateway: { STREAM_MAX_PER_USER: '2' } } });
  api = apiClient(stack.gateway);
  const login = await api('POST', '/api/v1/auth/login', { body: stack.admin });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  adminToken = login.body.accessToken;
  authDb = new pg.Client({ connectionString: stack.databases.auth });
  await authDb.connect();
});

after(async () => {
  for (const c of open) c.close();
  await Promise.all(extra.map((p) => p.stop()));
  await authDb?.end();
  await stack?.close();
});

describe('live stream through the gateway', () => {
  test('a ticket: 201 {ticket, expiresIn: 30}; the stream starts with the snapshot of GET /me and GET /me/quests', async () => {
    const p = await player('snap');
    const res = await api('POST', '/api/v1/me/stream-tickets', { token: p.token });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.expiresIn, 30);
    assert.match(res.body.ticket, /^qls_[A-Za-z0-9_-]{43}$/);

    const conn = await stream(`?ticket=${res.body.ticket}`);
    assert.equal(conn.status, 200);
    assert.match(conn.headers.get('content-type') ?? '', /^text\/event-stream/);
    const snapshot = await conn.next((e) => e.event === 'snapshot', 10_000, 'the snapshot');
    assert.equal(conn.events[0], snapshot, 'the snapshot comes first');
    assert.ok(snapshot.id, 'each event carries an id');
    const me = await api('GET', '/api/v1/me', { token: p.token });
    const quests = await api('GET', '/api/v1/me/quests', { token: p.token });
    assert.deepEqual(snapshot.data.user, me.body.user);
    assert.deepEqual(snapshot.data.quests, quests.body.items);
  });

  test('an admin backfills a login that completes Daily Login: quest, reward and user arrive without asking', async () => {
    const p = await player('live');
    const conn = await stream(`?ticket=${await ticketFor(p.token)}`);
    await conn.next((e) => e.event === 'snapshot');

    const backfill = await api('POST', '/api/v1/admin/events', {
      token: adminToken,
      body: { events: [{ id: `yesterday-${tag}`, userId: p.id, type: 'login', occurredAt: yesterdayNoon() }] },
    });
    assert.equal(backfill.status, 200, JSON.stringify(backfill.body));

    const quest = await conn.next((e) => e.event === 'quest' && e.data.quest.key === 'daily-login' && e.data.completions === 2, 10_000, 'the daily-login view with 2 completions');
    const fresh = await api('GET', '/api/v1/me/quests', { token: p.token });
    assert.deepEqual(quest.data, fresh.body.items.find((v: { quest: { key: string } }) => v.quest.key === 'daily-login'));

    const reward = await conn.next((e) => e.event === 'reward' && e.data.entry.source.completion === 2, 10_000, 'the reward of completion 2');
    assert.equal(reward.data.entry.amount, 10);
    assert.equal(reward.data.entry.currency, 'gold');
    assert.equal(reward.data.balances.gold, 20);
    const user = await conn.next((e) => e.event === 'user' && e.data.balances.gold === 20, 10_000, 'the user with 20 gold');
    assert.equal(user.data.id, p.id);

    const ids = conn.events.map((e) => Number(e.id));
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'ids increase');
    assert.equal(new Set(ids).size, ids.length, 'ids are distinct');
  });

  test('a debit arrives as a reward event with a negative amount and the new balances', async () => {
    const p = await player('debit');
    const conn = await stream('', { authorization: `Bearer ${p.token}` });
    assert.equal(conn.status, 200, 'an access token in the header works too');
    await conn.next((e) => e.event === 'snapshot');
    const debit = await api('POST', `/api/v1/users/${p.id}/debits`, {
      token: adminToken,
      body: { currency: 'gold', amount: 4, reason: 'shop', idempotencyKey: `debit-${tag}` },
    });
    assert.equal(debit.status, 201, JSON.stringify(debit.body));
    const reward = await conn.next((e) => e.event === 'reward' && e.data.entry.amount === -4, 10_000, 'the debit');
    assert.equal(reward.data.balances.gold, 6);
  });

  test('a timezone change sends the user and the whole quest list again (`quests`), as GET /me/quests now shows it', async () => {
    const p = await player('zone');
    const conn = await stream(`?ticket=${await ticketFor(p.token)}`);
    await conn.next((e) => e.event === 'snapshot');
    const moved = await api('PATCH', '/api/v1/me', { token: p.token, body: { timezone: 'Asia/Tokyo' } });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    await conn.next((e) => e.event === 'user' && e.data.timezone === 'Asia/Tokyo', 10_000, 'the user in Tokyo');
    // Progress hears of the new zone through auth's outbox, then sends the list again: its daily
    // periods now end at Tokyo's midnight (15:00 UTC).
    const inTokyo = (e: SseEvent) =>
      e.event === 'quests' && (e.data.quests as { quest: { key: string }; periodEndsAt: string | null }[]).some((v) => v.quest.key === 'daily-login' && /T15:00:00\.000Z$/.test(v.periodEndsAt ?? ''));
    const list = await conn.next(inTokyo, 10_000, 'the quest list again, in Tokyo');
    const fresh = await api('GET', '/api/v1/me/quests', { token: p.token });
    assert.deepEqual(list.data.quests, fresh.body.items);
  });

  test('a published quest arrives as a new list, a completion unlocks its dependent live, an archived quest leaves the list', async () => {
    const p = await player('catalog');
    const conn = await stream(`?ticket=${await ticketFor(p.token)}`);
    await conn.next((e) => e.event === 'snapshot');
    const [gate, locked] = [`stream-gate-${tag}`, `stream-locked-${tag}`];
    const quest = (key: string, prerequisites: string[]) => ({
      key,
      name: key,
      description: 'the live stream test',
      tags: [],
      objective: { event: `stream.step.${tag}`, mode: 'count', target: 1 },
      rewardId: '5e0d0000-0000-4000-8000-000000000001',
      autoClaim: true,
      prerequisites,
    });
    for (const [key, pre] of [[gate, []], [locked, [gate]]] as const) {
      const created = await api('POST', '/api/v1/admin/quests', { token: adminToken, body: quest(key, [...pre]) });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal((await api('POST', `/api/v1/admin/quests/${key}/publish`, { token: adminToken })).status, 200);
    }
    const keysOf = (e: { data: { quests: { quest: { key: string } }[] } }) => e.data.quests.map((v) => v.quest.key);
    const published = await conn.next((e) => e.event === 'quests' && keysOf(e).includes(gate) && keysOf(e).includes(locked), 15_000, 'a list with both new quests');
    const lockedView = published.data.quests.find((v: { quest: { key: string } }) => v.quest.key === locked);
    assert.equal(lockedView.status, 'locked');

    // The event completes the gate (it is the gate's own state that changes); the dependent's view
    // changes with it, and is sent too.
    const sent = await api('POST', '/api/v1/admin/events', { token: adminToken, body: { events: [{ id: `gate-${tag}`, userId: p.id, type: `stream.step.${tag}` }] } });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    await conn.next((e) => e.event === 'quest' && e.data.quest.key === gate && e.data.completions === 1, 10_000, 'the completed gate');
    const unlocked = await conn.next((e) => e.event === 'quest' && e.data.quest.key === locked && e.data.status !== 'locked', 10_000, 'the unlocked dependent');
    const fresh = await api('GET', '/api/v1/me/quests', { token: p.token });
    assert.deepEqual(unlocked.data, fresh.body.items.find((v: { quest: { key: string } }) => v.quest.key === locked));

    assert.equal((await api('POST', `/api/v1/admin/quests/${locked}/archive`, { token: adminToken })).status, 200);
    await conn.next((e) => e.event === 'quests' && !keysOf(e).includes(locked), 15_000, 'a list without the archived quest');
    assert.equal((await api('POST', `/api/v1/admin/quests/${gate}/archive`, { token: adminToken })).status, 200);
  });

  test('a ban sends the banned user and ends the stream; a banned user gets no ticket', async () => {
    const p = await player('ban');
    const conn = await stream(`?ticket=${await ticketFor(p.token)}`);
    await conn.next((e) => e.event === 'snapshot');
    const ban = await api('PATCH', `/api/v1/admin/users/${p.id}`, { token: adminToken, body: { status: 'banned' } });
    assert.equal(ban.status, 200, JSON.stringify(ban.body));
    const banned = await conn.next((e) => e.event === 'user' && e.data.status === 'banned', 10_000, 'the banned user');
    assert.equal(banned.data.id, p.id);
    await conn.ended;
    const again = await api('POST', '/api/v1/me/stream-tickets', { token: p.token });
    assert.equal(again.status, 403, JSON.stringify(again.body));
    assert.equal(again.body.error.code, 'USER_BANNED');
  });

  test('a used, expired, unknown or missing ticket is 401 in the error shape; a key may not stream', async () => {
    const p = await player('refuse');
    const ticket = await ticketFor(p.token);
    const first = await stream(`?ticket=${ticket}`);
    assert.equal(first.status, 200);
    const reused = await stream(`?ticket=${ticket}`);
    assert.equal(reused.status, 401);
    assert.equal(reused.errorBody.error.code, 'UNAUTHENTICATED');
    assert.ok(reused.errorBody.error.requestId);

    const late = await ticketFor(p.token);
    await authDb.query(`UPDATE stream_tickets SET expires_at = now() - interval '1 second'`);
    const expired = await stream(`?ticket=${late}`);
    assert.equal(expired.status, 401);

    for (const query of ['?ticket=qls_' + 'A'.repeat(43), '?ticket=nonsense', '']) {
      const res = await stream(query);
      assert.equal(res.status, 401, query);
      assert.equal(res.errorBody.error.code, 'UNAUTHENTICATED');
    }
    assert.equal((await api('POST', '/api/v1/me/stream-tickets', {})).status, 401);

    const key = await api('POST', '/api/v1/admin/api-keys', { token: adminToken, body: { name: `stream-${tag}`, scopes: ['users:read', 'events:write'] } });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    const byKey = await api('POST', '/api/v1/me/stream-tickets', { token: key.body.secret });
    assert.equal(byKey.status, 403, JSON.stringify(byKey.body));
    const keyStream = await stream('', { authorization: `Bearer ${key.body.secret}` });
    assert.equal(keyStream.status, 403);
  });

  test('open streams are counted at the gateway and in each service, and a closed one is let go everywhere', async () => {
    const p = await player('gauge');
    const read = async (base: string, name: string) => {
      const text = await (await fetch(`${base}/metrics`)).text();
      const value = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)$`, 'm').exec(text)?.[1];
      assert.ok(value !== undefined, `${base} exports ${name}`);
      return Number(value);
    };
    const counts = async () => [
      await read(stack.urls.gateway, 'questline_streams_open'),
      await read(stack.urls.auth, 'questline_live_feeds_open'),
      await read(stack.urls.progress, 'questline_live_feeds_open'),
    ];
    const before = await counts();
    const conn = await stream(`?ticket=${await ticketFor(p.token)}`);
    await conn.next((e) => e.event === 'snapshot');
    assert.deepEqual(await counts(), before.map((n) => n + 1));
    conn.close();
    await eventually(async () => ((await counts()).every((n, i) => n === before[i]) ? true : undefined), 5_000, 'every count back down');
  });

  test('a change made by another replica of each service reaches the stream (fan-out through LISTEN/NOTIFY)', async () => {
    // Second replicas of auth and progress on the same databases, which the gateway does not know:
    // the stream's feeds are on the first replicas, the changes are made on the second ones.
    const replica = async (name: 'auth' | 'progress') => {
      const proc = await spawnService(name, { ...serviceEnv(stack.settings, name), PORT: String(await freePort()) }, stack.logDir);
      extra.push(proc);
      await waitReady(proc);
      return apiClient(proc.url);
    };
    const [authB, progressB] = await Promise.all([replica('auth'), replica('progress')]);
    const p = await player('replica');
    const conn = await stream(`?ticket=${await ticketFor(p.token)}`);
    await conn.next((e) => e.event === 'snapshot');

    const backfill = await progressB('POST', '/api/v1/admin/events', {
      token: adminToken,
      body: { events: [{ id: `replica-${tag}`, userId: p.id, type: 'login', occurredAt: yesterdayNoon() }] },
    });
    assert.equal(backfill.status, 200, JSON.stringify(backfill.body));
    await conn.next((e) => e.event === 'quest' && e.data.quest.key === 'daily-login' && e.data.completions === 2, 10_000, 'the quest changed on replica B');

    const debit = await authB('POST', `/api/v1/users/${p.id}/debits`, {
      token: adminToken,
      body: { currency: 'gold', amount: 3, reason: 'replica', idempotencyKey: `replica-debit-${tag}` },
    });
    assert.equal(debit.status, 201, JSON.stringify(debit.body));
    await conn.next((e) => e.event === 'reward' && e.data.entry.amount === -3, 10_000, 'the debit made on replica B');
  });

  test('a user holds at most STREAM_MAX_PER_USER streams at once (429); closing one frees its place', async () => {
    const p = await player('limit');
    const a = await stream(`?ticket=${await ticketFor(p.token)}`);
    const b = await stream(`?ticket=${await ticketFor(p.token)}`);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    const c = await stream(`?ticket=${await ticketFor(p.token)}`);
    assert.equal(c.status, 429, JSON.stringify(c.errorBody));
    assert.equal(c.errorBody.error.code, 'RATE_LIMITED');
    const other = await player('limitother');
    assert.equal((await stream(`?ticket=${await ticketFor(other.token)}`)).status, 200, 'another user is not affected');
    a.close();
    await eventually(async () => {
      const d = await stream(`?ticket=${await ticketFor(p.token)}`);
      return d.status === 200 ? true : undefined;
    }, 5_000, 'a place freed');
  });
});
