import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { ServiceClient } from '@questline/platform';
import type { ProgressDatabase } from '../db/schema.js';
import { lockDueGrants, markDelivered, markFailed, type PendingGrant } from '../db/outbox.repository.js';

// Grants sent at once, each its own request to auth. A batch waits for its slowest delivery, so
// under heavy completion rates (a 1,000-event import completes hundreds of quests) batches of 20
// picked grants up more slowly than they were queued: reward lag p50 3.3 s at ~230 completions/s
// while a delivery itself took 19 ms (npm run bench -- --only=batch). 100 at a time keeps up.
const BATCH_SIZE = 100;
const MAX_BATCHES_PER_PASS = 20;
const BASE_BACKOFF_MS = 500;

/** Exponential backoff with a little jitter so that retries of many rows do not stampede. */
export function backoffMs(attempts: number, maxMs = 30_000): number {
  const exp = Math.min(maxMs, BASE_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp * (0.8 + Math.random() * 0.2));
}

export interface RelayPassResult {
  delivered: number;
  failed: number;
}

export interface RelayOptions {
  pollMs: number;
  maxBackoffMs: number;
  log: FastifyBaseLogger;
  onDelivered?: (count: number) => void;
}

export interface RunOptions {
  /** Treat rows scheduled up to this instant as due (tests use it to skip the backoff wait). */
  dueBy?: Date;
}

/**
 * Delivers grant_outbox rows to auth's POST /internal/grants. All state lives in the table, so
 * a restart simply carries on; auth is idempotent on the key, so a crash between auth's answer
 * and our commit at worst re-sends a grant that auth then recognises and does not pay again.
 */
export class GrantRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RelayPassResult> | null = null;
  private again = false;
  private stopped = false;

  private readonly log: FastifyBaseLogger;

  constructor(
    private readonly db: Kysely<ProgressDatabase>,
    private readonly auth: ServiceClient,
    private readonly opts: RelayOptions,
  ) {
    this.log = opts.log;
  }

  start(): void {
    this.timer = setInterval(() => this.nudge(), this.opts.pollMs);
    this.timer.unref();
    this.nudge();
  }

  /** Asks for a pass soon (after a commit that queued grants); coalesces with a pass under way. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.runOnce().catch((err) => this.log.error({ err }, 'grant relay pass failed'));
  }

  /** Runs one full pass, after any pass already under way in this process. */
  async runOnce(opts: RunOptions = {}): Promise<RelayPassResult> {
    while (this.running) await this.running.catch(() => undefined);
    const pass = this.pass(opts.dueBy);
    this.running = pass;
    try {
      return await pass;
    } finally {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.nudge();
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.running) await this.running.catch(() => undefined);
  }

  private async pass(dueBy: Date | undefined): Promise<RelayPassResult> {
    const total: RelayPassResult = { delivered: 0, failed: 0 };
    for (let i = 0; i < MAX_BATCHES_PER_PASS && !this.stopped; i++) {
      const { seen, delivered, failed } = await this.batch(dueBy ?? new Date());
      total.delivered += delivered;
      total.failed += failed;
      // A short batch means nothing more is due; a batch of only failures would just repeat.
      if (seen < BATCH_SIZE || delivered === 0) break;
    }
    return total;
  }

  private async batch(dueBy: Date): Promise<RelayPassResult & { seen: number }> {
    const result = await this.db.transaction().execute(async (trx) => {
      const rows = await lockDueGrants(trx, dueBy, BATCH_SIZE);
      // The rows stay locked while they are sent, so no other relay can send them meanwhile.
      const outcomes = await Promise.all(rows.map((row) => this.deliver(row)));
      // The delivered rows in one statement: a batch costs one round trip to the database, not twenty.
      const deliveredIds = rows.filter((_, i) => outcomes[i] === null).map((row) => row.id);
      await markDelivered(trx, deliveredIds);
      const delivered = deliveredIds.length;
      for (const [i, row] of rows.entries()) {
        const error = outcomes[i];
        if (error !== null) {
          const retryIn = backoffMs(row.attempts + 1, this.opts.maxBackoffMs);
          this.log.warn({ grant: row.payload.idempotencyKey, attempts: row.attempts + 1, retryInMs: retryIn, error }, 'grant delivery failed');
          await markFailed(trx, row.id, error ?? 'unknown', retryIn);
        }
      }
      return { seen: rows.length, delivered, failed: rows.length - delivered };
    });
    if (result.delivered > 0) this.opts.onDelivered?.(result.delivered);
    return result;
  }

  /** null when auth accepted the grant; otherwise why not. */
  private async deliver(row: PendingGrant): Promise<string | null> {
    try {
      const res = await this.auth.request('POST', '/internal/grants', { body: row.payload });
      if (res.status >= 200 && res.status < 300) return null;
      return `auth answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`;
    } catch (err) {
      return (err as Error).message;
    }
  }
}
