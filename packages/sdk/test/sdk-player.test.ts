/**
 * The SDK as a player's app uses it, against a real stack through the gateway: sign-up and login,
 * the quests, an expired access token refreshed once and transparently, a refused refresh ending
 * the session, and the live stream iterator: the snapshot, a backfilled completion arriving, a
 * dropped connection (the gateway killed and restarted) reopened with a fresh snapshot, the end on
 * abort and on a ban.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import { eventually, startTestStack, type TestStack } from '@questline/testkit';
import { createQuestline, isQuestlineError, type PlayerClient, type Session, type StreamEvent } from '../src/index.js';

let stack: TestStack;
let admin: PlayerClient;
const tag = randomBytes(3).toString('hex');
const PASSWORD = 'correct-horse-battery';

before(async () => {
  stack = await startTestStack({ name: 'sdkplayer' });
  admin = createQuestline({ baseUrl: stack.gateway });
  await admin.login(stack.admin.username, stack.admin.password);
});

after(async () => {
  await stack?.close();
});

/** A signed-up, logged-in player whose login reward (10 gold) has been paid. */
async function player(name: string, onSession?: (s: Session | null) => void) {
  const ql = createQuestline({ baseUrl: stack.gateway, onSession });
  const username = `${name}_${tag}`;
  const user = await ql.signup({ username, password: PASSWORD, timezone: 'UTC' });
  await ql.login(username, PASSWORD);
  await eventually(async () => (await ql.me()).balances.gold === 10, 15_000, 'the login reward');
  return { ql, user, username };
}

/** The player's token again, signed by the stack's own key, but expired a minute ago. */
async function expiredCopy(token: string): Promise<string> {
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
  const jwk = JSON.parse(stack.settings.jwtPrivateJwk) as { kid: string };
  const past = Math.floor(Date.now() / 1000) - 60;
  return new SignJWT({ ...claims, iat: past - 900, exp: past }).setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid }).sign(await importJWK(jwk, 'EdDSA'));
}

const yesterdayNoon = () => {
  const d = new Date();
  d.setUTCHours(12, 0, 0, 0);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString();
};

/** Iterates a stream in the background, collecting its events. */
function collect(ql: PlayerClient, options: Parameters<PlayerClient['stream']>[0]) {
  const events: StreamEvent[] = [];
  const done = (async () => {
    for await (const e of ql.stream(options)) events.push(e);
  })();
  const next = <T extends StreamEvent>(match: (e: StreamEvent) => e is T, from = 0, what = 'an event') =>
    eventually(async () => events.slice(from).find(match), 15_000, what) as Promise<T>;
  return { events, done, next };
}

describe('a player', () => {
  test('signs up, logs in (onSession hears the pair), sees the seeded quests, the ledger and typed refusals', async () => {
    const sessions: (Session | null)[] = [];
    const { ql, user, username } = await player('alice', (s) => sessions.push(s));
    assert.equal(sessions.length, 1);
    assert.ok(sessions[0]?.accessToken && sessions[0].refreshToken);
    assert.deepEqual(ql.session(), sessions[0]);
    assert.equal((await ql.me()).id, user.id);
    const quests = await ql.myQuests();
    assert.deepEqual(quests.map((v) => v.quest.key).sort(), ['daily-login', 'sign-in-three-times']);
    const ledger = await ql.ledger({ limit: 10 });
    assert.equal(ledger.items[0]?.amount, 10);
    await assert.rejects(ql.signup({ username, password: PASSWORD }), (e) => isQuestlineError(e, 'USERNAME_TAKEN') && e.status === 409 && typeof e.requestId === 'string');
    await assert.rejects(ql.claim('daily-login'), (e) => isQuestlineError(e, 'NOTHING_TO_CLAIM'));
    await assert.rejects(ql.sendEvent({ type: `not.reportable.${tag}` }), (e) => isQuestlineError(e, 'EVENT_NOT_PLAYER_REPORTABLE'));
  });

  test('an expired access token is refreshed once for calls made together, retried, and the new pair is told', async () => {
    const { ql } = await player('bob');
    const real = ql.session()!;
    const expired = await expiredCopy(real.accessToken!);
    const direct = await fetch(`${stack.gateway}/api/v1/me`, { headers: { authorization: `Bearer ${expired}` } });
    assert.equal(direct.status, 401, 'the server refuses the expired token');

    const told: (Session | null)[] = [];
    const resumed = createQuestline({ baseUrl: stack.gateway, session: { accessToken: expired, refreshToken: real.refreshToken! }, onSession: (s) => told.push(s) });
    const [me, quests] = await Promise.all([resumed.me(), resumed.myQuests()]);
    assert.equal(me.username, `bob_${tag}`);
    assert.equal(quests.length, 2);
    assert.equal(told.length, 1, 'one refresh for both calls');
    assert.notEqual(told[0]!.accessToken, expired);
    assert.notEqual(told[0]!.refreshToken, real.refreshToken, 'the refresh token was rotated');
    assert.deepEqual(resumed.session(), told[0]);
    assert.equal((await resumed.me()).id, me.id, 'the new token works on its own');
  });

  test('a refused refresh ends the session: the call fails UNAUTHENTICATED and onSession hears null', async () => {
    const { ql } = await player('carol');
    const told: (Session | null)[] = [];
    const expired = await expiredCopy(ql.session()!.accessToken!);
    const resumed = createQuestline({ baseUrl: stack.gateway, session: { accessToken: expired, refreshToken: 'not-a-refresh-token' }, onSession: (s) => told.push(s) });
    await assert.rejects(resumed.me(), (e) => isQuestlineError(e, 'UNAUTHENTICATED') && e.status === 401);
    assert.deepEqual(told, [null]);
    assert.equal(resumed.session(), undefined);
  });
});

describe('the live stream iterator', () => {
  test('a snapshot, then a backfilled completion (quest and reward); a dropped connection is reopened; abort ends it', async () => {
    const { ql, user } = await player('dave');
    const abort = new AbortController();
    const s = collect(ql, { signal: abort.signal, backoff: { baseDelayMs: 100, maxDelayMs: 1000 } });
    const snapshot = await s.next((e): e is Extract<StreamEvent, { type: 'snapshot' }> => e.type === 'snapshot', 0, 'the snapshot');
    assert.equal(snapshot.data.user.id, user.id);
    assert.deepEqual(snapshot.data.quests, await ql.myQuests());

    await unwrapOk(admin.raw.POST('/api/v1/admin/events', { body: { events: [{ id: `y-${tag}`, userId: user.id, type: 'login', occurredAt: yesterdayNoon() }] } }));
    const quest = await s.next((e): e is Extract<StreamEvent, { type: 'quest' }> => e.type === 'quest' && e.data.quest.key === 'daily-login' && e.data.completions === 2, 0, 'daily-login completed twice');
    assert.equal(quest.data.status, 'completed');
    const reward = await s.next((e): e is Extract<StreamEvent, { type: 'reward' }> => e.type === 'reward' && e.data.entry.source.completion === 2, 0, 'the reward of completion 2');
    assert.deepEqual([reward.data.entry.amount, reward.data.balances.gold], [10, 20]);

    // The gateway dies under the open stream and comes back: the iterator opens a new one.
    const before = s.events.length;
    await stack.services.gateway.stop('SIGKILL');
    await stack.restart('gateway');
    const again = await s.next((e): e is Extract<StreamEvent, { type: 'snapshot' }> => e.type === 'snapshot', before, 'a fresh snapshot after the reconnect');
    assert.equal(again.data.user.balances.gold, 20);

    abort.abort();
    await s.done;
    assert.equal(s.events.filter((e) => e.type === 'snapshot').length, 2);
  });

  test('a ban ends the iteration by itself, after the banned user', async () => {
    const { ql, user } = await player('eve');
    const s = collect(ql, {});
    await s.next((e): e is StreamEvent => e.type === 'snapshot', 0, 'the snapshot');
    await unwrapOk(admin.raw.PATCH('/api/v1/admin/users/{userId}', { params: { path: { userId: user.id } }, body: { status: 'banned' } }));
    await s.done;
    const last = s.events.at(-1)!;
    assert.equal(last.type, 'user');
    assert.equal(last.type === 'user' && last.data.status, 'banned');
    // A new stream is refused outright (no ticket for a banned user) as a typed error.
    await assert.rejects(async () => {
      for await (const _ of ql.stream()) assert.fail('no event for a banned user');
    }, (e) => isQuestlineError(e, 'USER_BANNED') && e.status === 403);
  });
});

async function unwrapOk(pending: Promise<{ response: Response }>) {
  const { response } = await pending;
  assert.ok(response.ok, `answered ${response.status}`);
}
