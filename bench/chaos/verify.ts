/**
 * The invariants the chaos run ends with: after every fault, each user's ledger holds exactly the
 * completions their acknowledged events earned (none lost, none paid twice), their quest progress
 * counts every acknowledged event, every acknowledged event id is known to the server, and auth
 * holds one quest.completed webhook message per paid completion (it travels with the grant).
 */
import { withClient } from '../shared/pg-client.js';
import { webhookMessageId } from '@questline/contracts';
import { sendEvent, type EventRecord } from './load.js';

export const QUEST_KEY = 'chaos-taps';
export const TARGET = 5;
export const GOLD_PER_COMPLETION = 10;

export interface Player {
  id: string;
  token: string;
}

export interface ReconcileResult {
  /** Events whose first attempt got no 200 and that were sent again until answered 200. */
  retried: number;
  /** Of those, already applied by the server although the first answer was lost or an error. */
  appliedDespiteFailure: number;
  /** Retries that never got a 200 (must be 0). */
  unresolved: number;
}

export interface InvariantResult {
  users: number;
  events: number;
  expectedCompletions: number;
  paidCompletions: number;
  lostCompletions: number;
  duplicatedLedgerEntries: number;
  wrongProgress: number;
  balanceMismatches: number;
  acceptedResent: number;
  acceptedNotDuplicate: number;
  /** Paid completions without their quest.completed message in auth's webhook_messages. */
  missingMessages: number;
  problems: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/**
 * A client whose request failed retries it with the same id; that is what makes its outcome
 * known. Retries until answered 200 (bounded), and records whether the server had applied it.
 */
export async function reconcile(gateway: string, players: Player[], book: EventRecord[]): Promise<ReconcileResult> {
  const pending = book.filter((e) => e.status !== 200);
  const result: ReconcileResult = { retried: pending.length, appliedDespiteFailure: 0, unresolved: 0 };
  await pool(pending, 8, async (e) => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const r = await sendEvent(gateway, players[e.user]!.token, e.id);
      if (r.status === 200) {
        if (r.duplicate) result.appliedDespiteFailure++;
        e.status = 200;
        return;
      }
      await sleep(250);
    }
    result.unresolved++;
  });
  return result;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function get(gateway: string, path: string, token: string): Promise<any> {
  const res = await fetch(gateway + path, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

interface LedgerEntry {
  currency: string;
  amount: number;
  source: { questKey?: string; completion?: number };
}

async function ledgerOf(gateway: string, token: string): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: LedgerEntry[]; nextCursor: string | null } = await get(
      gateway,
      `/api/v1/me/ledger?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      token,
    );
    entries.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return entries;
}

/** Sum of every user's gold, read through the admin API: stable once all rewards are delivered. */
export async function totalGold(gateway: string, adminToken: string, ids: Set<string>): Promise<number> {
  let sum = 0;
  let cursor: string | null = null;
  do {
    const page: { items: Array<{ id: string; balances: Record<string, number> }>; nextCursor: string | null } = await get(
      gateway,
      `/api/v1/admin/users?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      adminToken,
    );
    for (const u of page.items) if (ids.has(u.id)) sum += u.balances.gold ?? 0;
    cursor = page.nextCursor;
  } while (cursor);
  return sum;
}

export async function checkInvariants(gateway: string, authDatabaseUrl: string, players: Player[], book: EventRecord[]): Promise<InvariantResult> {
  const applied = book.filter((e) => e.status === 200);
  const r: InvariantResult = {
    users: players.length,
    events: applied.length,
    expectedCompletions: 0,
    paidCompletions: 0,
    lostCompletions: 0,
    duplicatedLedgerEntries: 0,
    wrongProgress: 0,
    balanceMismatches: 0,
    acceptedResent: 0,
    acceptedNotDuplicate: 0,
    missingMessages: 0,
    problems: [],
  };
  const perUser = players.map(() => 0);
  for (const e of applied) perUser[e.user]!++;

  await pool(players.map((p, i) => ({ p, i })), 4, async ({ p, i }) => {
    const n = perUser[i]!;
    const expected = Math.floor(n / TARGET);
    r.expectedCompletions += expected;

    const ledger = await ledgerOf(gateway, p.token);
    const numbers = ledger.filter((e) => e.source.questKey === QUEST_KEY).map((e) => e.source.completion!);
    const distinct = new Set(numbers);
    r.paidCompletions += distinct.size;
    r.duplicatedLedgerEntries += numbers.length - distinct.size;
    const missing = Array.from({ length: expected }, (_, k) => k + 1).filter((k) => !distinct.has(k));
    const extra = [...distinct].filter((k) => k < 1 || k > expected);
    r.lostCompletions += missing.length;
    if (missing.length || extra.length || numbers.length !== distinct.size) {
      r.problems.push(`user ${p.id}: ${n} events → ${expected} completions; ledger has ${JSON.stringify(numbers.sort((a, b) => a - b))}`);
    }
    for (const e of ledger.filter((x) => x.source.questKey === QUEST_KEY)) {
      if (e.currency !== 'gold' || e.amount !== GOLD_PER_COMPLETION) r.problems.push(`user ${p.id}: ledger entry ${JSON.stringify(e)}`);
    }

    // The balance must be the ledger's sum (the ledger is the record of every balance change).
    const me = await get(gateway, '/api/v1/me', p.token);
    const goldInLedger = ledger.filter((e) => e.currency === 'gold').reduce((s, e) => s + e.amount, 0);
    if ((me.user.balances.gold ?? 0) !== goldInLedger) {
      r.balanceMismatches++;
      r.problems.push(`user ${p.id}: gold ${me.user.balances.gold} but ledger sums to ${goldInLedger}`);
    }

    // Progress counts every applied event: completions and the remainder toward the next one.
    const quests = await get(gateway, '/api/v1/me/quests', p.token);
    const q = (quests.items as Array<{ quest: { key: string }; completions: number; progress: number }>).find((x) => x.quest.key === QUEST_KEY);
    if (!q || q.completions !== expected || q.progress !== n % TARGET) {
      r.wrongProgress++;
      r.problems.push(`user ${p.id}: ${n} events but quest view ${JSON.stringify(q && { completions: q.completions, progress: q.progress })}`);
    }
  });

  // Every completion's quest.completed is in auth (read from its database: no API lists messages
  // that no endpoint received); the id is derived from the completion, so one per completion.
  const wanted = players.flatMap((p, i) => Array.from({ length: Math.floor(perUser[i]! / TARGET) }, (_, k) => webhookMessageId('quest.completed', `${p.id}:${QUEST_KEY}:${k + 1}`)));
  const { rows } = await withClient(authDatabaseUrl, (c) =>
    c.query<{ id: string }>("SELECT id::text FROM webhook_messages WHERE type = 'quest.completed' AND id = ANY($1::uuid[])", [wanted]),
  );
  const found = new Set(rows.map((row) => row.id));
  const missing = wanted.filter((id) => !found.has(id));
  r.missingMessages = missing.length;
  if (missing.length) r.problems.push(`${missing.length} paid completions have no quest.completed message in auth (e.g. ${missing[0]})`);

  // Every acknowledged event id must be known to the server: sent again, it is a duplicate.
  await pool(applied, 8, async (e) => {
    const res = await sendEvent(gateway, players[e.user]!.token, e.id);
    r.acceptedResent++;
    if (res.status !== 200 || res.duplicate !== true) {
      r.acceptedNotDuplicate++;
      if (r.problems.length < 50) r.problems.push(`event ${e.id}: resent → ${res.status} duplicate=${String(res.duplicate)}`);
    }
  });
  return r;
}
