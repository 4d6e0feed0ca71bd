/**
 * Rewards are paid exactly once whatever crashes in between (issue 6): the auth service stopped
 * while quests complete, and the progress process killed with SIGKILL while its relay delivers a
 * backlog. Every reward is a daily-login completion (10 gold, auto-claimed); each user's gold and
 * ledger are compared with the completions the test itself caused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '@questline/devstack';
import { apiClient, eventually, startTestStack, type ApiCall, type TestStack } from '@questline/testkit';

let stack: TestStack;
let api: ApiCall;
let adminToken: string;

interface Player {
  id: string;
  token: string;
  /** daily-login completions this user should have been paid for. */
  completions: number;
}

async function createPlayers(prefix: string, n: number): Promise<Player[]> {
  const players: Player[] = [];
  for (let i = 0; i < n; i++) {
    const username = `${prefix}${i}`;
    const signup = await api('POST', '/api/v1/auth/signup', { body: { username, password: 'correct-horse-battery', timezone: 'UTC' } });
    assert.equal(signup.status, 201, JSON.stringify(signup.body));
    const login = await api('POST', '/api/v1/auth/login', { body: { username, password: 'correct-horse-battery' } });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    // The login itself completes today's daily-login (through auth's outbox and progress).
    players.push({ id: signup.body.user.id, token: login.body.accessToken, completions: 1 });
  }
  return players;
}

/** Noon UTC, `days` days ago: one distinct past day per event, so each completes daily-login once. */
const daysAgo = (days: number) => {
  const d = new Date();
  d.setUTCHours(12, 0, 0, 0);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString();
};

async function goldOf(players: Player[]): Promise<Map<string, number>> {
  const res = await api('GET', '/api/v1/admin/users?limit=200', { token: adminToken });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const ids = new Set(players.map((p) => p.id));
  return new Map(
    (res.body.items as Array<{ id: string; balances: Record<string, number> }>).filter((u) => ids.has(u.id)).map((u) => [u.id, u.balances.gold ?? 0]),
  );
}

async function allPaid(players: Player[]): Promise<boolean> {
  const gold = await goldOf(players);
  return players.every((p) => gold.get(p.id) === p.completions * 10);
}

/** Each completion exactly once in the ledger: as many entries as completions, numbered 1..n. */
async function assertLedgers(players: Player[]) {
  const gold = await goldOf(players);
  for (const p of players) {
    assert.equal(gold.get(p.id), p.completions * 10, `gold of ${p.id}`);
    const ledger = await api('GET', '/api/v1/me/ledger?limit=200', { token: p.token });
    assert.equal(ledger.status, 200, JSON.stringify(ledger.body));
    const numbers = (ledger.body.items as Array<{ source: { questKey?: string; completion?: number } }>)
      .filter((e) => e.source.questKey === 'daily-login')
      .map((e) => e.source.completion!)
      .sort((a, b) => a - b);
    assert.deepEqual(numbers, Array.from({ length: p.completions }, (_, i) => i + 1), `ledger of ${p.id}`);
  }
}

async function outbox(): Promise<{ backlog: number; paid: number }> {
  const text = await (await fetch(`${stack.urls.progress}/metrics`)).text();
  // Only the grants relay: progress's webhook-message outbox waits on auth as well, and its rows
  // are no grants.
  const read = (name: string, label = '') =>
    text
      .split('\n')
      .filter((l) => l.startsWith(name) && l.includes(label))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  return { backlog: read('questline_outbox_backlog', 'relay="grants"'), paid: read('questline_rewards_paid_total') };
}

async function backdate(players: Player[], days: number, tag: string) {
  const events = players.flatMap((p) => Array.from({ length: days }, (_, d) => ({ id: `${tag}-${d}`, userId: p.id, type: 'login', occurredAt: daysAgo(d + 1) })));
  const res = await api('POST', '/api/v1/admin/events', { token: adminToken, body: { events } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body, { accepted: events.length, duplicates: 0, rejected: [] });
  for (const p of players) p.completions += days;
}

/**
 * A plain HTTP forwarder between progress and auth (progress's AUTH_URL points at it). While
 * `holding`, auth's answers to POST /internal/grants(/batch) (the grants already committed in auth) are held
 * back: the window in which a crash of progress leaves grants paid but not marked delivered, which
 * a kill at a random moment only rarely hits. It also counts the answers in which auth recognised
 * a grant it had already paid.
 */
async function grantForwarder(authPort: number) {
  const held: Array<() => void> = [];
  const state = { holding: false, heldAnswers: 0, duplicates: 0 };
  const server = http.createServer((req, res) => {
    res.on('error', () => undefined);
    const upstream = http.request({ host: '127.0.0.1', port: authPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        const body = Buffer.concat(chunks);
        const grant = req.method === 'POST' && (req.url === '/internal/grants' || req.url === '/internal/grants/batch');
        // Counted per grant: a single grant's answer says "duplicate": true, a batch's one result per grant.
        const text = body.toString();
        if (grant) state.duplicates += (text.match(/"duplicate":\s*true|"status":\s*"duplicate"/g) ?? []).length;
        const send = () => {
          if (!res.destroyed) res.writeHead(answer.statusCode ?? 502, answer.headers).end(body);
        };
        if (grant && state.holding) {
          state.heldAnswers += (text.match(/"duplicate":\s*false|"status":\s*"applied"/g) ?? []).length;
          held.push(send);
        } else send();
      });
    });
    // Auth stopped: the caller sees a dropped connection, as it would without the forwarder.
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    release() {
      state.holding = false;
      held.splice(0).forEach((send) => send());
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let forwarder: Awaited<ReturnType<typeof grantForwarder>>;

before(async () => {
  const authPort = await freePort();
  forwarder = await grantForwarder(authPort);
  // A short backoff ceiling so that deliveries resume soon after auth is back, and a short lease so
  // that the grants the killed relay had claimed are due again soon after the restart.
  stack = await startTestStack({
    name: 'progfaults',
    ports: { auth: authPort },
    extraEnv: { progress: { OUTBOX_MAX_BACKOFF_MS: '300', OUTBOX_LEASE_MS: '8000', AUTH_URL: forwarder.url } },
  });
  api = apiClient(stack.gateway);
  const login = await api('POST', '/api/v1/auth/login', { body: stack.admin });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  adminToken = login.body.accessToken;
});

after(async () => {
  await stack?.close();
  forwarder?.release();
  await forwarder?.close();
});

describe('rewards exactly once under faults', () => {
  test('auth stopped while quests complete, then started again: every reward arrives exactly once', async () => {
    const players = await createPlayers('stopauth', 4);
    await eventually(() => allPaid(players), 20_000, 'the login rewards');
    // Warm progress's key set for the admin token while auth can still serve it.
    assert.equal((await api('GET', `/api/v1/admin/users/${players[0]!.id}/quests`, { token: adminToken })).status, 200);

    await stack.services.auth.stop();
    await backdate(players, 6, 'while-auth-down');
    const waiting = await eventually(async () => ((await outbox()).backlog >= players.length * 6 ? outbox() : undefined), 10_000, 'grants queued');
    assert.ok(waiting.backlog >= 24);

    await stack.restart('auth');
    await eventually(() => allPaid(players), 30_000, 'every reward paid after auth came back');
    await eventually(async () => (await outbox()).backlog === 0, 10_000, 'an empty outbox');
    await assertLedgers(players);
  });

  test('progress killed with SIGKILL after auth paid grants it had not yet marked delivered: no reward missing or doubled', async (t) => {
    const players = await createPlayers('sigkill', 10);
    await eventually(() => allPaid(players), 20_000, 'the login rewards');

    await stack.services.auth.stop();
    await backdate(players, 40, 'backlog');
    const total = players.length * 40;
    await eventually(async () => (await outbox()).backlog >= total, 10_000, 'the backlog queued');

    // Auth comes back and pays the relay's first grants, but its answers are held on the way back.
    forwarder.state.holding = true;
    await stack.restart('auth');
    await eventually(async () => forwarder.state.heldAnswers > 0, 20_000, 'auth paid grants of the backlog');
    await new Promise((r) => setTimeout(r, 300));
    const atKill = await outbox();
    await stack.services.progress.stop('SIGKILL');
    const paidUnmarked = forwarder.state.heldAnswers;
    assert.equal(atKill.backlog, total, 'progress had marked nothing delivered when it was killed');
    t.diagnostic(`killed with ${paidUnmarked} grants paid by auth and all ${total} still in progress's outbox`);

    forwarder.release();
    await stack.restart('progress');
    await eventually(() => allPaid(players), 60_000, 'every reward paid after the restart');
    await eventually(async () => (await outbox()).backlog === 0, 10_000, 'an empty outbox');
    await assertLedgers(players);
    assert.ok(
      forwarder.state.duplicates >= paidUnmarked,
      `auth recognised the ${paidUnmarked} re-sent grants it had already paid (${forwarder.state.duplicates} duplicates)`,
    );
  });
});
