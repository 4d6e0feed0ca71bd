import { query } from '../shared/pg-client.js';

export interface LagStats {
  completions: number;
  paid: number;
  p50: number;
  p99: number;
  max: number;
  /**
   * The same from the transaction that recorded the completion (an auto-claimed completion's
   * claimed_at is that transaction's clock): what remains once the event was applied.
   */
  fromTransaction?: { p50: number; p99: number; max: number };
  /** From the relay's pick-up (the claim of the delivering attempt, last_attempt_at) to the ledger entry. */
  fromPickUp?: { p50: number; p99: number; max: number };
}

/** The URL of the one database whose name starts with `prefix` on the server. */
export async function databaseUrl(adminUrl: string, prefix: string): Promise<string> {
  const rows = await query<{ datname: string }>(adminUrl, 'SELECT datname FROM pg_database WHERE datname LIKE $1', [`${prefix}%`]);
  if (rows.length !== 1) throw new Error(`expected one database ${prefix}*, found ${rows.length}`);
  const u = new URL(adminUrl);
  u.pathname = `/${rows[0]!.datname}`;
  return u.toString();
}

export async function outboxBacklog(progressDb: string): Promise<number> {
  const rows = await query<{ n: string }>(progressDb, 'SELECT count(*) AS n FROM grant_outbox WHERE delivered_at IS NULL');
  return Number(rows[0]!.n);
}

/** Webhook deliveries auth has not settled yet, and messages progress has not handed over yet. */
export async function webhookBacklog(progressDb: string, authDb: string): Promise<number> {
  const [handOver] = await query<{ n: string }>(progressDb, 'SELECT count(*) AS n FROM webhook_outbox WHERE delivered_at IS NULL AND dead_at IS NULL');
  const [deliveries] = await query<{ n: string }>(authDb, 'SELECT count(*) AS n FROM webhook_deliveries WHERE delivered_at IS NULL AND dead_at IS NULL');
  return Number(handOver!.n) + Number(deliveries!.n);
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN);

/**
 * Reward lag of the completions made in [from, to]: from the completion (the completing event's
 * instant) to the ledger entry auth wrote in the same transaction as the balance change.
 */
export async function rewardLag(progressDb: string, authDb: string, from: Date, to: Date, questKeys: string[] = ['bench-taps']): Promise<LagStats> {
  const completions = await query<{ user_id: string; quest_key: string; number: number; completed_at: Date; claimed_at: Date | null }>(
    progressDb,
    'SELECT user_id, quest_key, number, completed_at, claimed_at FROM completions WHERE quest_key = ANY($3) AND completed_at BETWEEN $1 AND $2',
    [from, to, questKeys],
  );
  const ledger = await query<{ idempotency_key: string; at: Date }>(
    authDb,
    'SELECT idempotency_key, min(created_at) AS at FROM ledger_entries WHERE quest_key = ANY($1) GROUP BY idempotency_key',
    [questKeys],
  );
  const paidAt = new Map(ledger.map((l) => [l.idempotency_key, l.at.getTime()]));
  const picked = await query<{ idempotency_key: string; last_attempt_at: Date }>(
    progressDb,
    'SELECT idempotency_key, last_attempt_at FROM grant_outbox WHERE quest_key = ANY($1) AND delivered_at IS NOT NULL AND last_attempt_at IS NOT NULL',
    [questKeys],
  );
  const pickedAt = new Map(picked.map((p) => [p.idempotency_key, p.last_attempt_at.getTime()]));
  const lags: number[] = [];
  const fromTransaction: number[] = [];
  const fromPickUp: number[] = [];
  for (const c of completions) {
    const key = `quest:${c.user_id}:${c.quest_key}:${c.number}`;
    const at = paidAt.get(key);
    if (at === undefined) continue;
    lags.push(at - c.completed_at.getTime());
    if (c.claimed_at) fromTransaction.push(at - c.claimed_at.getTime());
    const pick = pickedAt.get(key);
    if (pick !== undefined) fromPickUp.push(at - pick);
  }
  for (const xs of [lags, fromTransaction, fromPickUp]) xs.sort((a, b) => a - b);
  return {
    completions: completions.length,
    paid: lags.length,
    p50: pct(lags, 50),
    p99: pct(lags, 99),
    max: lags.at(-1) ?? NaN,
    fromTransaction: { p50: pct(fromTransaction, 50), p99: pct(fromTransaction, 99), max: fromTransaction.at(-1) ?? NaN },
    fromPickUp: { p50: pct(fromPickUp, 50), p99: pct(fromPickUp, 99), max: fromPickUp.at(-1) ?? NaN },
  };
}
