/**
 * The scale phase's catalog: published quests added through the admin API (so the catalog and
 * progress learn them the normal way: a quest, its publication, the feed, the refresh) until there
 * are `total`, over enough new event types that the catalog has `types` of them, each declared
 * player-reportable. The new quests are a mix like data.ts's: count quests (a third daily, a third
 * weekly), sums of the events' values, streaks, a few behind a prerequisite; auto and manual claim.
 */
import { internalHeaders } from '@questline/testkit';
import type { Objective } from '@questline/contracts';
import { objectiveFingerprint } from '../../services/progress/src/domain/quest-state.js';
import { PLAYER_EVENT_TYPES, call } from './data.js';
import type { StateQuest } from './scale-seed.js';
import type { System } from './system.js';

interface ListedQuest {
  key: string;
  version: number;
  objective: Objective;
  repeat: 'none' | 'daily' | 'weekly';
  prerequisites: string[];
}

/** Every published quest, page by page. */
export async function publishedQuests(gw: string): Promise<ListedQuest[]> {
  const all: ListedQuest[] = [];
  let cursor: string | null = null;
  do {
    const page = (await call(gw, 'GET', `/api/v1/quests?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)) as { items: ListedQuest[]; nextCursor: string | null };
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

/** Quests listening to an event of a type drawn uniformly from `types`, on average. */
export function listenersPerEvent(quests: ListedQuest[], types: readonly string[]): number {
  return types.reduce((a, t) => a + quests.filter((q) => q.objective.event === t).length, 0) / types.length;
}

function definition(j: number, type: string, gold: string, diamond: string, previous: string | null): Record<string, unknown> {
  const key = `scale-${j}`;
  const common = { key, name: `Scale ${j}`, tags: ['bench', 'scale'], rewardId: j % 4 === 0 ? diamond : gold, autoClaim: j % 3 !== 0 };
  const kind = j % 10;
  if (kind < 6) {
    return { ...common, objective: { event: type, mode: 'count', target: 5 + (j % 10) * 5 }, repeat: (['none', 'daily', 'weekly'] as const)[j % 3], maxCompletions: j % 2 === 0 ? null : 100 };
  }
  if (kind < 8) return { ...common, objective: { event: type, mode: 'sum', target: 100 * (1 + (j % 5)) }, repeat: j % 2 ? 'weekly' : 'none' };
  if (kind === 8) return { ...common, objective: { event: type, mode: 'streak', target: 2 + (j % 5) }, maxCompletions: 5 };
  // One in ten is locked until an earlier scale quest completes.
  return { ...common, objective: { event: type, mode: 'count', target: 3 }, ...(previous ? { prerequisites: [previous] } : {}) };
}

export interface ScaleCatalog {
  /** Published quests after the additions. */
  quests: number;
  /** Distinct event types the published quests listen to. */
  eventTypes: number;
  /** The types the load sends (players may report them). */
  sendTypes: string[];
  /** Types added by this phase (events of them carry a value: some of their quests are sums). */
  newTypes: Set<string>;
  /** Quests the seeded states are on: non-repeating count and sum quests without prerequisites. */
  stateQuests: StateQuest[];
  listenersBefore: number;
  listenersAfter: number;
  ms: number;
}

/** Adds quests until `total` are published, over new event types until the catalog has `types`. */
export async function createScaleQuests(sys: System, adminToken: string, total: number, types: number): Promise<ScaleCatalog> {
  const started = performance.now();
  const gw = sys.stack.urls.gateway;
  const before = await publishedQuests(gw);
  const existingTypes = new Set(before.map((q) => q.objective.event));
  const newTypes = Array.from({ length: Math.max(0, types - existingTypes.size) }, (_, i) => `scale-e${i}`);
  // login comes from auth only and the claim/paying scenarios' types would change what is measured.
  const sendTypes = [...PLAYER_EVENT_TYPES, ...newTypes];
  const listenersBefore = listenersPerEvent(before, PLAYER_EVENT_TYPES);
  for (const type of newTypes) await call(gw, 'PUT', `/api/v1/admin/event-types/${type}`, { playerReportable: true, maxValue: 1000 }, adminToken);

  const rewards = (await call(gw, 'GET', '/api/v1/rewards?limit=200')).items as Array<{ id: string; items: Array<{ currency: string }> }>;
  const find = (currency: string) => rewards.find((r) => r.items.length === 1 && r.items[0]!.currency === currency)?.id;
  const gold = find('gold');
  const diamond = find('diamond');
  if (!gold || !diamond) throw new Error('the seeded gold and diamond rewards are missing');
  const defs = Array.from({ length: Math.max(0, total - before.length) }, (_, j) => definition(j, sendTypes[j % sendTypes.length]!, gold, diamond, j >= 10 ? `scale-${j - 10}` : null));
  // A few admin requests at a time; a quest behind a prerequisite comes ten after it, so its
  // prerequisite exists by then (the workers take the definitions in order, four at a time).
  let next = 0;
  const worker = async () => {
    while (next < defs.length) {
      const q = defs[next++]!;
      await call(gw, 'POST', '/api/v1/admin/quests', q, adminToken);
      await call(gw, 'POST', `/api/v1/admin/quests/${String(q.key)}/publish`, {}, adminToken);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const refresh = '/internal/catalog/refresh';
  const res = await fetch(sys.stack.urls.progress + refresh, { method: 'POST', headers: internalHeaders(sys.stack.settings.internalToken, 'POST', refresh) });
  if (!res.ok) throw new Error(`catalog refresh: ${res.status} ${await res.text()}`);

  const after = await publishedQuests(gw);
  const stateQuests = after
    .filter((q) => (q.objective.mode === 'count' || q.objective.mode === 'sum') && q.repeat === 'none' && q.prerequisites.length === 0 && q.objective.target >= 2 && sendTypes.includes(q.objective.event))
    .map((q) => ({ key: q.key, version: q.version, fingerprint: objectiveFingerprint(q.objective), event: q.objective.event, target: q.objective.target }));
  return {
    quests: after.length,
    eventTypes: new Set(after.map((q) => q.objective.event)).size,
    sendTypes,
    newTypes: new Set(newTypes),
    stateQuests,
    listenersBefore,
    listenersAfter: listenersPerEvent(after, sendTypes),
    ms: performance.now() - started,
  };
}
