/**
 * The player options for apps that keep the tokens themselves (getSession), share a refresh token
 * between clients (refreshLock), or refresh on any 401 (refreshOn), and the explicit refresh() with
 * the reason a session ended: against a small local HTTP server that plays the auth endpoints.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createQuestline, isQuestlineError, type QuestlineError, type Session } from '../src/index.js';

type Refusal = { status: number; code: string };

let server: Server;
let base: string;
/** The one access token /me accepts (others are answered 401 UNAUTHENTICATED). */
let valid = 'access-1';
/** The refresh tokens the server was sent, in order. */
let refreshes: string[] = [];
/** The next refresh answers, in order; a success when none is left. */
let refusals: Refusal[] = [];

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const user = { id: 'u1', username: 'ana' };
      if (req.url === '/api/v1/auth/refresh') {
        refreshes.push((JSON.parse(body) as { refreshToken: string }).refreshToken);
        const refusal = refusals.shift();
        if (refusal) return json(refusal.status, { error: { code: refusal.code, message: 'refused', requestId: 'r' } });
        valid = `access-${refreshes.length + 1}`;
        return json(200, { accessToken: valid, refreshToken: `refresh-${refreshes.length + 1}`, tokenType: 'Bearer', expiresIn: 900, user });
      }
      if (req.headers.authorization !== `Bearer ${valid}`) return json(401, { error: { code: 'UNAUTHENTICATED', message: 'invalid or expired access token', requestId: 'r' } });
      return json(200, { user });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  valid = 'access-1';
  refreshes = [];
  refusals = [];
});

/** The app's own store, as a browser app keeps it: the tokens outside the client. */
function store(initial: Session | undefined) {
  let current = initial;
  const told: { session: Session | null; reason?: QuestlineError }[] = [];
  return {
    told,
    get: () => current,
    set: (s: Session | undefined) => (current = s),
    onSession: (session: Session | null, reason?: QuestlineError) => {
      told.push({ session, reason });
      current = session ?? undefined;
    },
  };
}

describe('a session kept by the app', () => {
  test('a refresh token alone is refreshed before the first calls, once for calls made together, inside the lock', async () => {
    const s = store({ refreshToken: 'refresh-1' });
    let locked = 0;
    const ql = createQuestline({
      baseUrl: base,
      getSession: s.get,
      onSession: s.onSession,
      refreshLock: async (refresh) => {
        locked += 1;
        return refresh();
      },
    });
    const [a, b] = await Promise.all([ql.me(), ql.me()]);
    assert.equal(a.id, 'u1');
    assert.equal(b.id, 'u1');
    assert.deepEqual(refreshes, ['refresh-1']);
    assert.equal(locked, 1);
    assert.deepEqual(s.told.map((t) => t.session), [{ accessToken: 'access-2', refreshToken: 'refresh-2' }]);
    assert.deepEqual(ql.session(), { accessToken: 'access-2', refreshToken: 'refresh-2' });
  });

  test('the refresh token is read inside the lock: one rotated meanwhile by another holder is the one sent', async () => {
    const s = store({ accessToken: 'stale', refreshToken: 'refresh-old' });
    const ql = createQuestline({
      baseUrl: base,
      getSession: s.get,
      onSession: s.onSession,
      refreshOn: 'unauthorized',
      // Another tab held the lock first and stored its new pair.
      refreshLock: async (refresh) => {
        s.set({ accessToken: 'stale', refreshToken: 'refresh-from-another-tab' });
        return refresh();
      },
    });
    await ql.me();
    assert.deepEqual(refreshes, ['refresh-from-another-tab']);
  });
});

describe('refreshOn', () => {
  test("'unauthorized': a 401 to a token that has no expiry is refreshed once and the call sent again; 'expired' (the default) keeps the 401", async () => {
    const byDefault = createQuestline({ baseUrl: base, session: { accessToken: 'opaque-old', refreshToken: 'refresh-1' } });
    await assert.rejects(byDefault.me(), (e) => isQuestlineError(e, 'UNAUTHENTICATED') && e.status === 401);
    assert.deepEqual(refreshes, []);

    const told: (Session | null)[] = [];
    const ql = createQuestline({ baseUrl: base, session: { accessToken: 'opaque-old', refreshToken: 'refresh-1' }, refreshOn: 'unauthorized', onSession: (x) => told.push(x) });
    assert.equal((await ql.me()).id, 'u1');
    assert.deepEqual(refreshes, ['refresh-1']);
    assert.deepEqual(told, [{ accessToken: 'access-2', refreshToken: 'refresh-2' }]);
  });
});

describe('refresh() and the end of a session', () => {
  test('refresh() answers the new pair with the user; a ban ends the session with USER_BANNED as the reason', async () => {
    const s = store({ refreshToken: 'refresh-1' });
    const ql = createQuestline({ baseUrl: base, getSession: s.get, onSession: s.onSession });
    const result = await ql.refresh();
    assert.equal(result?.user.id, 'u1');
    assert.equal(result?.accessToken, 'access-2');

    refusals = [{ status: 403, code: 'USER_BANNED' }];
    assert.equal(await ql.refresh(), undefined);
    const last = s.told.at(-1)!;
    assert.equal(last.session, null);
    assert.ok(isQuestlineError(last.reason, 'USER_BANNED'));
    assert.equal(ql.session(), undefined);
    assert.equal(await ql.refresh(), undefined, 'nothing left to refresh');
  });

  test('a spent refresh token (401) ends the session with its code; a failing server (503) is thrown and ends nothing', async () => {
    const told: { session: Session | null; reason?: QuestlineError }[] = [];
    const ql = createQuestline({ baseUrl: base, session: { refreshToken: 'refresh-1' }, retries: false, onSession: (session, reason) => told.push({ session, reason }) });
    refusals = [{ status: 503, code: 'SERVICE_UNAVAILABLE' }];
    await assert.rejects(ql.refresh(), (e) => isQuestlineError(e, 'SERVICE_UNAVAILABLE'));
    assert.equal(told.length, 0, 'a failing server ends nothing');
    assert.deepEqual(ql.session(), { refreshToken: 'refresh-1' });

    refusals = [{ status: 401, code: 'INVALID_TOKEN' }];
    await assert.rejects(ql.me(), (e) => isQuestlineError(e, 'UNAUTHENTICATED'));
    assert.equal(told.length, 1);
    assert.equal(told[0]!.session, null);
    assert.ok(isQuestlineError(told[0]!.reason, 'INVALID_TOKEN'));
  });
});
