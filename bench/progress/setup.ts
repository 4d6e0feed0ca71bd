import type * as testkit from '@questline/testkit';
import type { TestStack } from '@questline/testkit';

type Testkit = typeof testkit;

export interface BenchUsers {
  adminToken: string;
  tokens: string[];
  ids: string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function json(res: Response, what: string): Promise<any> {
  const body = await res.json();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/**
 * A count quest on `tap` (target 10, auto-claim, 10 gold), published and loaded by progress; then
 * `n` players with tokens, each having sent one event so that progress knows their profile.
 */
export async function prepare(tk: Testkit, stack: TestStack, n: number): Promise<BenchUsers> {
  const api = (method: string, path: string, body?: unknown, token?: string) =>
    fetch(stack.gateway + path, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const adminToken = (await json(await api('POST', '/api/v1/auth/login', stack.admin), 'admin login')).accessToken as string;
  const rewards = (await json(await api('GET', '/api/v1/rewards?limit=200'), 'rewards')).items as Array<{ id: string; items: Array<{ currency: string; amount: number }> }>;
  const gold = rewards.find((r) => r.items.length === 1 && r.items[0]!.currency === 'gold');
  if (!gold) throw new Error('no gold reward seeded');
  await json(
    await api('POST', '/api/v1/admin/quests', { key: 'bench-taps', name: 'Bench taps', objective: { event: 'tap', mode: 'count', target: 10 }, rewardId: gold.id, autoClaim: true }, adminToken),
    'create quest',
  );
  await json(await api('POST', '/api/v1/admin/quests/bench-taps/publish', {}, adminToken), 'publish quest');
  // Players report their own taps (and one warm-up event each): types they may report (api.md v1.1).
  for (const type of ['tap', 'warm-up']) {
    await json(await api('PUT', `/api/v1/admin/event-types/${type}`, { playerReportable: true }, adminToken), `declare ${type}`);
  }
  const refreshPath = '/internal/catalog/refresh';
  await json(await fetch(stack.urls.progress + refreshPath, { method: 'POST', headers: tk.internalHeaders(stack.internalToken, 'POST', refreshPath) }), 'catalog refresh');

  const tokens: string[] = [];
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < n) {
        const i = next++;
        const credentials = { username: `bench${i}`, password: 'bench-password-123' };
        const signup = await json(await api('POST', '/api/v1/auth/signup', { ...credentials, timezone: 'UTC' }), 'signup');
        const login = await json(await api('POST', '/api/v1/auth/login', credentials), 'login');
        ids[i] = signup.user.id;
        tokens[i] = login.accessToken;
        await json(await api('POST', '/api/v1/events', { type: 'warm-up' }, login.accessToken), 'warm-up event');
      }
    }),
  );
  return { adminToken, tokens, ids };
}
