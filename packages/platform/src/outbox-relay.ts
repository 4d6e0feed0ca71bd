import type { FastifyBaseLogger } from 'fastify';
import { backoffMs, type BackoffOptions } from './backoff.js';
import type { OutboxRelayMetrics, RelayCounters } from './outbox-metrics.js';
import type { OutboxRowBase, OutboxStore, Settlement } from './outbox-store.js';

export type DeliveryOutcome = { status: 'delivered' } | { status: 'retry'; error: string } | { status: 'dead'; error: string };

export const delivered: DeliveryOutcome = { status: 'delivered' };
export const retryLater = (error: string): DeliveryOutcome => ({ status: 'retry', error });
export const deadLetter = (error: string): DeliveryOutcome => ({ status: 'dead', error });

/** The error code of an answer in our error shape (`{error: {code}}`), else undefined. */
export function errorCodeOf(body: unknown): string | undefined {
  const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * What a peer's HTTP answer means for the row: 2xx delivered; a refusal in our error shape whose
 * code the caller names as final for this kind of row (auth's UNKNOWN_USER for a grant) dead; every
 * other answer retried. A bare 4xx is not taken as final: a proxy or a misrouted URL answers 404,
 * and a 400 from a peer on another version may pass once both run the same one — a row that keeps
 * failing shows in the failure counter and the oldest-row age, which the alerts watch, rather than
 * being dropped (a grant is money, a profile may be a ban).
 */
export function outcomeOfAnswer(status: number, body: unknown, finalCodes: readonly string[] = []): DeliveryOutcome {
  if (status >= 200 && status < 300) return delivered;
  const code = errorCodeOf(body);
  const error = `HTTP ${status}${code ? ` ${code}` : ''}: ${JSON.stringify(body ?? null).slice(0, 300)}`;
  return status >= 400 && status < 500 && code !== undefined && finalCodes.includes(code) ? deadLetter(error) : retryLater(error);
}

export interface DeliveryContext {
  /** Aborted half-way through the lease, or when the relay stops: start no new request after it (its rows are released). */
  signal: AbortSignal;
}

export interface OutboxRelayOptions<R extends OutboxRowBase> {
  /** The `relay` label of the metrics and the logs' name for it. */
  name: string;
  store: OutboxStore<R>;
  /**
   * Delivers a batch outside any transaction; one outcome per row, in the rows' order. A row left
   * `undefined` was not attempted and is released. A throw counts as a retry for every row.
   */
  deliver(rows: R[], ctx: DeliveryContext): Promise<Array<DeliveryOutcome | undefined>>;
  batchSize: number;
  pollMs: number;
  /**
   * How long a claimed row is ours. It must exceed a delivery's HTTP timeout (twice over: new
   * requests stop at half the lease), and stays short because it is how long the rows of a relay
   * that died mid-delivery wait before another relay sends them.
   */
  leaseMs: number;
  backoff: BackoffOptions;
  /** A nudge waits this long, so that the commits of a busy moment leave in one batch. */
  nudgeDelayMs?: number;
  /** Batches in one pass at most; a backlog continues in the next pass. */
  maxBatchesPerPass?: number;
  log: FastifyBaseLogger;
  metrics?: OutboxRelayMetrics;
  /** Called with the rows the peer accepted, after they are marked delivered. */
  onDelivered?(rows: R[]): void;
  /** Fields naming a row in the logs. */
  describe?(row: R): Record<string, unknown>;
}

export interface RelayPassResult {
  claimed: number;
  delivered: number;
  /** Attempts that failed and will be retried. */
  failed: number;
  dead: number;
}

export interface RunOptions {
  /** Treat rows waiting for a retry until this instant as due (tests use it to skip the backoff). */
  dueBy?: Date;
}

export interface OutboxRelay {
  /** Polls every `pollMs` (and passes at once). */
  start(): void;
  /** Asks for a pass soon (after a commit that queued rows); coalesces with a pass under way. */
  nudge(): void;
  /** One full pass, after any pass already under way in this process. */
  runOnce(opts?: RunOptions): Promise<RelayPassResult>;
  /** Stops polling and waits for the pass in flight, so that the pool can close after it. */
  stop(): Promise<void>;
}

const EMPTY: RelayPassResult = { claimed: 0, delivered: 0, failed: 0, dead: 0 };

/**
 * A transactional-outbox relay: rows are leased in one short statement, delivered with no
 * transaction or row lock open, and settled (delivered, retried with backoff, or dead) in another.
 * Replicas share a table (SKIP LOCKED, then the lease); a relay killed mid-delivery leaves leased
 * rows that are due again when the lease passes, and the peer's idempotency key makes the second
 * delivery harmless.
 */
export function createOutboxRelay<R extends OutboxRowBase>(o: OutboxRelayOptions<R>): OutboxRelay {
  const counters: RelayCounters | undefined = o.metrics?.register(o.name, () => o.store.stats());
  const maxBatches = o.maxBatchesPerPass ?? 20;
  const describe = (row: R) => ({ id: row.id, attempts: row.attempts, ...o.describe?.(row) });
  let timer: NodeJS.Timeout | undefined;
  let nudgeTimer: NodeJS.Timeout | undefined;
  let running: Promise<RelayPassResult> | undefined;
  let again = false;
  let stopped = false;
  let inFlight: AbortController | undefined;

  async function deliverBatch(rows: R[]): Promise<Array<DeliveryOutcome | undefined>> {
    const deadline = new AbortController();
    inFlight = deadline;
    // stop() may have come while this batch was being claimed: send nothing, release the rows.
    if (stopped) deadline.abort();
    const timeout = setTimeout(() => deadline.abort(), o.leaseMs / 2);
    try {
      const outcomes = await o.deliver(rows, { signal: deadline.signal });
      return rows.map((_, i) => outcomes[i]);
    } catch (err) {
      const outcome = retryLater((err as Error).message);
      return rows.map(() => outcome);
    } finally {
      clearTimeout(timeout);
      inFlight = undefined;
    }
  }

  async function batch(dueBy: Date | undefined): Promise<RelayPassResult> {
    const rows = await o.store.claim(o.batchSize, o.leaseMs, dueBy);
    if (rows.length === 0) return EMPTY;
    const outcomes = await deliverBatch(rows);
    const settlements: Array<Settlement<R>> = [];
    const accepted: R[] = [];
    const failures: Array<[R, string]> = [];
    let dead = 0;
    let released = 0;
    for (const [i, row] of rows.entries()) {
      const outcome = outcomes[i];
      if (!outcome) {
        released++;
        settlements.push({ row, outcome: 'released' });
      } else if (outcome.status === 'delivered') {
        accepted.push(row);
        settlements.push({ row, outcome: 'delivered' });
      } else if (outcome.status === 'retry') {
        failures.push([row, outcome.error]);
        settlements.push({ row, outcome: 'retry', error: outcome.error, delayMs: backoffMs(row.attempts, o.backoff) });
      } else {
        dead++;
        o.log.error({ relay: o.name, ...describe(row), error: outcome.error }, 'outbox relay: refused for good; row dead-lettered');
        settlements.push({ row, outcome: 'dead', error: outcome.error });
      }
    }
    await o.store.settle(settlements);
    counters?.attempts.inc(rows.length - released);
    counters?.delivered.inc(accepted.length);
    counters?.failures.inc(failures.length + dead);
    counters?.deadLettered.inc(dead);
    if (failures.length > 0) {
      const [row, error] = failures[0]!;
      o.log.warn({ relay: o.name, count: failures.length, first: describe(row), error }, 'outbox relay: delivery failed; will retry');
    }
    if (accepted.length > 0) o.onDelivered?.(accepted);
    return { claimed: rows.length, delivered: accepted.length, failed: failures.length, dead };
  }

  async function pass(dueBy: Date | undefined): Promise<RelayPassResult> {
    const total = { ...EMPTY };
    for (let i = 0; i < maxBatches && !stopped; i++) {
      const r = await batch(dueBy);
      total.claimed += r.claimed;
      total.delivered += r.delivered;
      total.failed += r.failed;
      total.dead += r.dead;
      // A short batch means nothing more is due; a batch with no delivery would only meet a peer
      // that is still refusing.
      if (r.claimed < o.batchSize || r.delivered === 0) return total;
    }
    // The pass stopped at its limit with rows still due.
    again = true;
    return total;
  }

  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    relay.runOnce().catch((err: unknown) => o.log.error({ err, relay: o.name }, 'outbox relay: pass failed'));
  }

  const relay: OutboxRelay = {
    start() {
      if (timer || stopped) return;
      timer = setInterval(kick, o.pollMs);
      timer.unref();
      kick();
    },
    nudge() {
      if (!o.nudgeDelayMs) return kick();
      nudgeTimer ??= setTimeout(() => {
        nudgeTimer = undefined;
        kick();
      }, o.nudgeDelayMs);
    },
    async runOnce(opts = {}) {
      while (running) await running.catch(() => undefined);
      const current = pass(opts.dueBy);
      running = current;
      try {
        return await current;
      } finally {
        running = undefined;
        if (again && !stopped) {
          again = false;
          kick();
        }
      }
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(nudgeTimer);
      timer = undefined;
      nudgeTimer = undefined;
      // A shutdown must not wait for a slow peer through the rest of a batch: requests already
      // sent finish (within their HTTP timeout), the rows not yet sent are released.
      inFlight?.abort();
      while (running) await running.catch(() => undefined);
    },
  };
  return relay;
}

/** The HTTP timeout of a relay's requests for a lease: well inside the half-lease deadline, at most 5 s. */
export function relayHttpTimeoutMs(leaseMs: number): number {
  return Math.max(100, Math.min(5000, Math.floor(leaseMs / 4)));
}
