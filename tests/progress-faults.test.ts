/**
 * Rewards are paid exactly once whatever crashes in between (issue 6): the auth service stopped
 * while quests complete, and the progress process killed with SIGKILL while its relay delivers a
 * backlog. Every reward is a daily-login completion (10 gold, auto-claimed); each user's gold and
 * ledger are compared with the completions the test itself caused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
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
  const read = (name: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(name))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  return { backlog: read('questline_outbox_backlog'), paid: read('questline_rewards_paid_total') };
}

async function backdate(players: Player[], days: number, tag: string) {
  const events = players.flatMap((p) => Array.from({ length: days }, (_, d) => ({ id: `${tag}-${d}`, userId: p.id, type: 'login', occurredAt: daysAgo(d + 1) })));
  const res = await api('POST', '/api/v1/admin/events', { token: adminToken, body: { events } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body, { accepted: events.length, duplicates: 0, rejected: [] });
  for (const p of players) p.completions += days;
}

before(async () => {
  // A short backoff ceiling so that deliveries resume soon after auth is back.
  stack = await startTestStack({ name: 'progfaults', extraEnv: { progress: { OUTBOX_MAX_BACKOFF_MS: '300' } } });
  api = apiClient(stack.gateway);
  const login = await api('POST', '/api/v1/auth/login', { body: stack.admin });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  adminToken = login.body.accessToken;
});

after(async () => {
  await stack?.close();
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

  test('progress killed with SIGKILL while its relay delivers a backlog: no reward missing or doubled', async (t) => {
    const players = await createPlayers('sigkill', 10);
    await eventually(() => allPaid(players), 20_000, 'the login rewards');

    await stack.services.auth.stop();
    await backdate(players, 40, 'backlog');
    const total = players.length * 40;
    await eventually(async () => (await outbox()).backlog >= total, 10_000, 'the backlog queued');

    await stack.restart('auth');
    // Kill progress as soon as its relay has started on the backlog (or at once if it is already done).
    let atKill = await outbox();
    const deadline = Date.now() + 15_000;
    while (atKill.backlog >= total && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      atKill = await outbox();
    }
    await stack.services.progress.stop('SIGKILL');
    assert.ok(atKill.backlog < total, 'the relay had started delivering when progress was killed');
    t.diagnostic(`killed with ${atKill.backlog} of ${total} grants still in the outbox`);

    await stack.restart('progress');
    await eventually(() => allPaid(players), 60_000, 'every reward paid after the restart');
    await eventually(async () => (await outbox()).backlog === 0, 10_000, 'an empty outbox');
    await assertLedgers(players);
  });
});
