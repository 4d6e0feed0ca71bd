import type * as testkit from '@questline/testkit';
import type { TestStack } from '@questline/testkit';
import { QUEST_KEY, TARGET, type Player } from './verify.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function json(res: Response, what: string): Promise<any> {
  const body = await res.json();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

const call = (stack: TestStack, method: string, path: string, body?: unknown, token?: string) =>
  fetch(stack.gateway + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** Publishes the chaos quest (count TARGET × chaos-tap, auto-claim, 10 gold); returns an admin token. */
export async function createQuest(tk: typeof testkit, stack: TestStack): Promise<string> {
  const adminToken = (await json(await call(stack, 'POST', '/api/v1/auth/login', stack.admin), 'admin login')).accessToken as string;
  const rewards = (await json(await call(stack, 'GET', '/api/v1/rewards?limit=200'), 'rewards')).items as Array<{ id: string; items: Array<{ currency: string; amount: number }> }>;
  const gold = rewards.find((r) => r.items.length === 1 && r.items[0]!.currency === 'gold' && r.items[0]!.amount === 10);
  if (!gold) throw new Error('no 10 gold reward seeded');
  const quest = { key: QUEST_KEY, name: 'Chaos taps', objective: { event: 'chaos-tap', mode: 'count', target: TARGET }, rewardId: gold.id, autoClaim: true };
  await json(await call(stack, 'POST', '/api/v1/admin/quests', quest, adminToken), 'create quest');
  await json(await call(stack, 'POST', `/api/v1/admin/quests/${QUEST_KEY}/publish`, {}, adminToken), 'publish quest');
  // The load is players reporting their own taps: a type they may report (api.md v1.1).
  await json(await call(stack, 'PUT', '/api/v1/admin/event-types/chaos-tap', { playerReportable: true }, adminToken), 'declare chaos-tap');
  // Progress polls the catalog; asking it to refresh now saves the wait.
  const refresh = '/internal/catalog/refresh';
  await json(await fetch(stack.urls.progress + refresh, { method: 'POST', headers: tk.internalHeaders(stack.internalToken, 'POST', refresh) }), 'catalog refresh');
  return adminToken;
}

export async function createPlayers(stack: TestStack, n: number): Promise<Player[]> {
  const players: Player[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < n) {
        const i = next++;
        const credentials = { username: `chaos${i}`, password: 'chaos-password-123' };
        const signup = await json(await call(stack, 'POST', '/api/v1/auth/signup', { ...credentials, timezone: 'UTC' }), 'signup');
        const login = await json(await call(stack, 'POST', '/api/v1/auth/login', credentials), 'login');
        players[i] = { id: signup.user.id as string, token: login.accessToken as string };
      }
    }),
  );
  return players;
}
