/**
 * What a payment costs (issue "Engine v2": CPU per paying event ÷ CPU per non-paying event, all
 * our processes, ≤ 1.5). Two quests are added just before it runs, so that the other scenarios keep
 * their 50: `bench-pay` (count 1 of `pay-me`, auto-claim, unlimited: every event completes it and
 * pays 1 gold) and `bench-nopay` (count 1,000,000,000 of `nopay-me`: every event is progress on one
 * quest and never completes). The same players' events through the gateway, one type per scenario,
 * alternately non-paying and paying; each scenario's CPU is counted until the grant outbox and the
 * webhook hand-over have drained, so that the grants' delivery and payment in auth are in it.
 */
import type { System } from './system.js';
import { SERVICE_NAMES } from './system.js';
import { call } from './data.js';
import type { Scenario, ScenarioResult } from './load.js';
import { internalHeaders } from '@questline/testkit';

export const PAYING_SCENARIO = 'paying events';
export const NON_PAYING_SCENARIO = 'non-paying events';
const PAY_EVENT = 'pay-me';
const NO_PAY_EVENT = 'nopay-me';

export interface PayingReport {
  /** µs of CPU per event, all services, outbox drained. */
  payingUs: number;
  nonPayingUs: number;
  ratio: number;
}

/** Creates and publishes the two quests and lets players report their event types. */
async function createPayingQuests(sys: System, adminToken: string): Promise<void> {
  const gw = sys.stack.urls.gateway;
  const rewards = (await call(gw, 'GET', '/api/v1/rewards?limit=200')).items as Array<{ id: string; items: Array<{ currency: string; amount: number }> }>;
  const gold = rewards.find((r) => r.items.length === 1 && r.items[0]!.currency === 'gold')?.id;
  if (!gold) throw new Error('the seeded gold reward is missing');
  const quests = [
    { key: 'bench-pay', name: 'Bench pay', tags: ['bench'], objective: { event: PAY_EVENT, mode: 'count', target: 1 }, rewardId: gold, autoClaim: true, repeat: 'none', maxCompletions: null },
    { key: 'bench-nopay', name: 'Bench no pay', tags: ['bench'], objective: { event: NO_PAY_EVENT, mode: 'count', target: 1_000_000_000 }, rewardId: gold, autoClaim: true, repeat: 'none', maxCompletions: null },
  ];
  for (const q of quests) {
    await call(gw, 'POST', '/api/v1/admin/quests', q, adminToken);
    await call(gw, 'POST', `/api/v1/admin/quests/${q.key}/publish`, {}, adminToken);
  }
  for (const type of [PAY_EVENT, NO_PAY_EVENT]) await call(gw, 'PUT', `/api/v1/admin/event-types/${type}`, { playerReportable: true, maxValue: 1000 }, adminToken);
  const refresh = '/internal/catalog/refresh';
  const res = await fetch(sys.stack.urls.progress + refresh, { method: 'POST', headers: internalHeaders(sys.stack.settings.internalToken, 'POST', refresh) });
  if (!res.ok) throw new Error(`catalog refresh: ${res.status} ${await res.text()}`);
}

export interface PayingOptions {
  sys: System;
  adminToken: string;
  seconds: number;
  /** A player's bearer header, picked at random per request. */
  authorization: () => string;
  /** Waits until the grant outbox and the webhook hand-over are empty. */
  settle: () => Promise<void>;
  run: (s: Scenario) => Promise<ScenarioResult>;
  log: (line: string) => void;
}

/** Requests auth has answered so far, by route (its /metrics): how many grants and hand-overs travel per request. */
async function authRequests(sys: System): Promise<Map<string, number>> {
  const text = await (await fetch(`${sys.stack.urls.auth}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/^http_requests_total\{[^}]*route="(\/internal\/[^"]+)"[^}]*\} (\S+)$/gm)) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + Number(m[2]));
  return counts;
}

const cpuPerEvent = (r: ScenarioResult) => SERVICE_NAMES.reduce((a, n) => a + r.cpuPerRequest[n], 0);

/** Two rounds of non-paying then paying (the machine warms up in the first); the figures are the second round's. */
export async function measurePaying(o: PayingOptions): Promise<{ results: ScenarioResult[]; report: PayingReport }> {
  await createPayingQuests(o.sys, o.adminToken);
  await o.settle();
  const scenario = (name: string, type: string): Scenario => ({
    name,
    url: `${o.sys.stack.urls.gateway}/api/v1/events`,
    method: 'POST',
    connections: 32,
    seconds: o.seconds,
    next: () => ({ headers: { authorization: o.authorization(), 'content-type': 'application/json' }, body: JSON.stringify({ type }) }),
    settle: o.settle,
  });
  let last: ScenarioResult[] = [];
  for (let round = 0; round < 2; round++) {
    const nonPaying = await o.run(scenario(NON_PAYING_SCENARIO + ' (gateway)', NO_PAY_EVENT));
    const before = await authRequests(o.sys);
    const paying = await o.run(scenario(PAYING_SCENARIO + ' (gateway)', PAY_EVENT));
    const after = await authRequests(o.sys);
    const calls = [...after].map(([route, n]) => [route, n - (before.get(route) ?? 0)] as const).filter(([, n]) => n > 0);
    o.log(`  auth's internal requests during the paying events: ${calls.map(([route, n]) => `${route} ${n}`).join(', ')} (${paying.requests} events)`);
    last = [nonPaying, paying];
  }
  const [nonPaying, paying] = last as [ScenarioResult, ScenarioResult];
  const report = { payingUs: cpuPerEvent(paying), nonPayingUs: cpuPerEvent(nonPaying), ratio: cpuPerEvent(paying) / cpuPerEvent(nonPaying) };
  for (const r of last) o.log(`  ${r.name}: CPU per event (µs) ${SERVICE_NAMES.map((n) => `${n} ${r.cpuPerRequest[n].toFixed(0)}`).join(', ')}; all ${cpuPerEvent(r).toFixed(0)}`);
  o.log(`  CPU per paying event ÷ per non-paying event: ${report.ratio.toFixed(2)} (${report.payingUs.toFixed(0)} / ${report.nonPayingUs.toFixed(0)} µs)`);
  return { results: last, report };
}
