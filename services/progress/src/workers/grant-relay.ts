import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { GRANT_BATCH_MAX, type GrantBatchResponse } from '@questline/contracts';
import {
  createOutboxRelay,
  deadLetter,
  delivered,
  outcomeOfAnswer,
  retryLater,
  type DeliveryOutcome,
  type OutboxRelay,
  type OutboxRelayMetrics,
  type ServiceClient,
} from '@questline/platform';
import type { ProgressDatabase } from '../db/schema.js';
import { grantOutboxStore, type PendingGrant } from '../db/outbox.repository.js';

// Grants claimed at once and sent to auth in one request (one transaction there): the larger, the
// less CPU per grant on both sides, bounded by what auth takes in one request.
const BATCH_SIZE = Math.min(200, GRANT_BATCH_MAX);
const BASE_BACKOFF_MS = 500;
/**
 * A nudge (a commit that queued grants) waits this long, so that the completions of a busy moment
 * leave in one request instead of one pass each: every pass costs a claim, a request, auth's
 * transaction and a settle whatever its size. Short beside the reward-lag budget (100 ms p99).
 */
export const GRANT_NUDGE_DELAY_MS = 20;

export type GrantRelay = OutboxRelay;

export interface GrantRelayOptions {
  pollMs: number;
  maxBackoffMs: number;
  /** How long a claimed grant is this relay's (longer than twice auth's HTTP timeout). */
  leaseMs: number;
  log: FastifyBaseLogger;
  metrics?: OutboxRelayMetrics;
  onDelivered?: (count: number) => void;
}

/**
 * The claimed grants in one POST /internal/grants/batch; auth answers per grant and is idempotent
 * on the key, so a re-send never pays twice. A refusal of the whole request, a transport failure or
 * an answer that does not match the rows retries them all.
 */
async function deliverGrants(auth: ServiceClient, rows: PendingGrant[]): Promise<DeliveryOutcome[]> {
  try {
    const res = await auth.request('POST', '/internal/grants/batch', { body: { grants: rows.map((row) => row.payload) } });
    const outcome = outcomeOfAnswer(res.status, res.body);
    if (outcome.status !== 'delivered') return rows.map(() => outcome);
    const results = (res.body as Partial<GrantBatchResponse> | undefined)?.results;
    if (!Array.isArray(results) || results.length !== rows.length) return rows.map(() => retryLater('auth answered the grant batch with another number of results'));
    return rows.map((row, i) => {
      const result = results[i]!;
      if (result.idempotencyKey !== row.payload.idempotencyKey) return retryLater(`auth answered for grant ${result.idempotencyKey} in place of ${row.payload.idempotencyKey}`);
      // Auth has no such user (deleted, or never there): no retry can pay it.
      return result.status === 'unknown_user' ? deadLetter('UNKNOWN_USER: no such user') : delivered;
    });
  } catch (err) {
    return rows.map(() => retryLater((err as Error).message));
  }
}

/**
 * Delivers grant_outbox rows to auth's POST /internal/grants/batch through the platform relay. All state
 * lives in the table, so a restart carries on; a crash between auth's answer and our settle at worst
 * re-sends a grant (after the lease) that auth then recognises and does not pay again. A grant for a
 * user auth does not have is dead-lettered; every other refusal is retried.
 */
export function createGrantRelay(db: Kysely<ProgressDatabase>, auth: ServiceClient, opts: GrantRelayOptions): GrantRelay {
  return createOutboxRelay<PendingGrant>({
    name: 'grants',
    store: grantOutboxStore(db),
    deliver: (rows) => deliverGrants(auth, rows),
    batchSize: BATCH_SIZE,
    nudgeDelayMs: GRANT_NUDGE_DELAY_MS,
    pollMs: opts.pollMs,
    leaseMs: opts.leaseMs,
    backoff: { baseMs: BASE_BACKOFF_MS, maxMs: opts.maxBackoffMs },
    log: opts.log,
    metrics: opts.metrics,
    onDelivered: (rows) => opts.onDelivered?.(rows.length),
    describe: (row) => ({ grant: row.payload.idempotencyKey }),
  });
}
