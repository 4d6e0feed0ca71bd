/**
 * The data set: 48 quests added to the 2 seeded ones (50 published: count, sum and streak
 * objectives, daily and weekly repeats, auto and manual claim, prerequisites), and access tokens
 * for the users the signup scenario created.
 */
import { SignJWT, decodeJwt, importJWK, type JWK } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '@questline/platform';
import { internalHeaders } from '@questline/testkit';
import type { System } from './system.js';

/** Event types the load sends; every quest below listens to one of them. */
export const EVENT_TYPES = ['tap', 'win', 'craft', 'trade', 'explore', 'login', 'spend'] as const;
/** What players may send themselves (declared player-reportable by the run); `login` comes from auth only. */
export const PLAYER_EVENT_TYPES = EVENT_TYPES.filter((t) => t !== 'login');
/** A manual-claim quest each user completes once before the claim scenario. */
export const CLAIM_QUEST = 'bench-claim';
export const CLAIM_EVENT = 'claim-me';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function call(base: string, method: string, path: string, body?: unknown, token?: string): Promise<any> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function questDefinitions(gold: string, diamond: string): Array<Record<string, unknown>> {
  const quests: Array<Record<string, unknown>> = [];
  // 30 count quests over five event types: targets 5–50, a third daily, a third weekly.
  for (let i = 0; i < 30; i++) {
    const event = EVENT_TYPES[i % 5]!;
    quests.push({
      key: `count-${event}-${i}`,
      name: `Count ${event} ${i}`,
      tags: ['bench', event],
      objective: { event, mode: 'count', target: 5 + (i % 10) * 5 },
      rewardId: i % 4 === 0 ? diamond : gold,
      autoClaim: i % 3 !== 0,
      repeat: (['none', 'daily', 'weekly'] as const)[i % 3],
      maxCompletions: i % 2 === 0 ? null : 100,
    });
  }
  // 8 sum quests on spent amounts, two with an attribute filter.
  for (let i = 0; i < 8; i++) {
    quests.push({
      key: `sum-spend-${i}`,
      name: `Spend ${i}`,
      tags: ['bench', 'spend'],
      objective: { event: 'spend', mode: 'sum', target: 100 * (i + 1), ...(i < 2 ? { filter: { shop: 'main' } } : {}) },
      rewardId: gold,
      autoClaim: true,
      repeat: i % 2 ? 'weekly' : 'none',
    });
  }
  // 5 streak quests on logins (days in the user's timezone).
  for (let i = 0; i < 5; i++) {
    quests.push({ key: `streak-login-${i}`, name: `Login streak ${i}`, tags: ['bench'], objective: { event: 'login', mode: 'streak', target: 2 + i }, rewardId: diamond, autoClaim: i % 2 === 0, maxCompletions: 5 });
  }
  // 4 quests behind prerequisites (locked until the first count quests complete).
  for (let i = 0; i < 4; i++) {
    quests.push({ key: `chain-${i}`, name: `Chain ${i}`, tags: ['bench'], objective: { event: 'win', mode: 'count', target: 3 }, rewardId: gold, autoClaim: true, prerequisites: [`count-${EVENT_TYPES[i]}-${i}`] });
  }
  // The claim scenario's quest: manual claim, completed by one event.
  quests.push({ key: CLAIM_QUEST, name: 'Bench claim', tags: ['bench'], objective: { event: CLAIM_EVENT, mode: 'count', target: 1 }, rewardId: gold, autoClaim: false });
  return quests;
}

/** Creates and publishes the quests, then has progress load them; returns the admin's token. */
export async function createQuests(sys: System): Promise<{ adminToken: string; published: number }> {
  const gw = sys.stack.urls.gateway;
  const adminToken = (await call(gw, 'POST', '/api/v1/auth/login', sys.admin)).accessToken as string;
  const rewards = (await call(gw, 'GET', '/api/v1/rewards?limit=200')).items as Array<{ id: string; items: Array<{ currency: string }> }>;
  const find = (currency: string) => rewards.find((r) => r.items.length === 1 && r.items[0]!.currency === currency)?.id;
  const gold = find('gold');
  const diamond = find('diamond');
  if (!gold || !diamond) throw new Error('the seeded gold and diamond rewards are missing');
  for (const q of questDefinitions(gold, diamond)) {
    await call(gw, 'POST', '/api/v1/admin/quests', q, adminToken);
    await call(gw, 'POST', `/api/v1/admin/quests/${q.key}/publish`, {}, adminToken);
  }
  // Players may report every type of the mix but login (api.md v1.1); no daily limit, no value cap
  // above what the mix sends, so the trust check is on the measured path and refuses nothing.
  for (const type of PLAYER_EVENT_TYPES) {
    await call(gw, 'PUT', `/api/v1/admin/event-types/${type}`, { playerReportable: true, maxValue: 1000 }, adminToken);
  }
  const refresh = '/internal/catalog/refresh';
  const res = await fetch(sys.stack.urls.progress + refresh, { method: 'POST', headers: internalHeaders(sys.stack.settings.internalToken, 'POST', refresh) });
  if (!res.ok) throw new Error(`catalog refresh: ${res.status} ${await res.text()}`);
  const published = (await call(gw, 'GET', '/api/v1/quests?limit=200')).items.length as number;
  return { adminToken, published };
}

/**
 * Access tokens for every user, signed with the deployment's key exactly as auth signs them (same
 * claims as a real login of the first user). 10,000 logins would be 10,000 argon2 verifications
 * before the first scenario; logins are measured on their own.
 */
export async function mintTokens(sys: System, sample: { username: string; password: string }, ids: string[]): Promise<string[]> {
  const login = await call(sys.stack.urls.gateway, 'POST', '/api/v1/auth/login', sample);
  const claims = decodeJwt(login.accessToken as string);
  const jwk = JSON.parse(sys.jwtPrivateJwk) as JWK & { kid: string };
  const key = await importJWK({ ...jwk, alg: 'EdDSA' }, 'EdDSA');
  return Promise.all(
    ids.map((id) =>
      new SignJWT({ role: claims.role, status: claims.status, tz: claims.tz })
        .setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid, typ: 'JWT' })
        .setSubject(id)
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('2h')
        .sign(key),
    ),
  );
}

/** An API key for the server-event scenario (the product's backend sending events for its users). */
export async function createEventsKey(sys: System, adminToken: string): Promise<string> {
  const res = await call(sys.stack.urls.gateway, 'POST', '/api/v1/admin/api-keys', { name: 'bench server', scopes: ['events:write'] }, adminToken);
  return res.secret as string;
}

/** One admin batch per 1,000 users: each completes the claim quest once, to be claimed later. */
export async function completeClaimQuest(sys: System, adminToken: string, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 1000) {
    const events = ids.slice(i, i + 1000).map((userId) => ({ id: `claim-prep-${userId}`, userId, type: CLAIM_EVENT }));
    const res = await call(sys.stack.urls.gateway, 'POST', '/api/v1/admin/events', { events }, adminToken);
    if (res.accepted + res.duplicates !== events.length) throw new Error(`claim preparation: ${JSON.stringify(res)}`);
  }
}

/**
 * Every token's user reads their quest list once, 32 at a time (not measured): progress keeps
 * lists rendered, and the GET scenarios measure a player reading a list that no event changed
 * since their last read — the same state for the gateway and the direct scenario, whichever runs first.
 */
export async function readEveryList(base: string, tokens: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tokens.length) await call(base, 'GET', '/api/v1/me/quests', undefined, tokens[next++]);
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

/** GET /me/quests answers progress counted so far, by result (hit: the rendered copy was current). */
export async function questListReads(progressBase: string): Promise<{ hit: number; rendered: number }> {
  const text = await (await fetch(`${progressBase}/metrics`)).text();
  const of = (result: string) => Number(new RegExp(`^questline_quest_list_reads_total\\{[^}]*result="${result}"[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { hit: of('hit'), rendered: of('rendered') };
}
