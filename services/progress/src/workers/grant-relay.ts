import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import {
  createOutboxRelay,
  outcomeOfAnswer,
  retryLater,
  type OutboxRelay,
  type OutboxRelayMetrics,
  type ServiceClient,
} from '@questline/platform';
import type { ProgressDatabase } from '../db/schema.js';
import { grantOutboxStore, type PendingGrant } from '../db/outbox.repository.js';

// Grants sent at once, each its own request to auth. A batch waits for its slowest delivery, so it
// must be large enough to keep up with a large import's completions (docs/BENCHMARKS.md, progress).
const BATCH_SIZE = 100;
const BASE_BACKOFF_MS = 500;

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

/** One grant's POST /internal/grants; auth is idempotent on the key, so a re-send never pays twice. */
async function deliverGrant(auth: ServiceClient, row: PendingGrant) {
  try {
    const res = await auth.request('POST', '/internal/grants', { body: row.payload });
    // Auth has no such user (deleted, or never there): no retry can pay it.
    return outcomeOfAnswer(res.status, res.body, ['UNKNOWN_USER']);
  } catch (err) {
    return retryLater((err as Error).message);
  }
}

/**
 * Delivers grant_outbox rows to auth's POST /internal/grants through the platform relay. All state
 * lives in the table, so a restart carries on; a crash between auth's answer and our settle at worst
 * re-sends a grant (after the lease) that auth then recognises and does not pay again. A grant for a
 * user auth does not have is dead-lettered; every other refusal is retried.
 */
export function createGrantRelay(db: Kysely<ProgressDatabase>, auth: ServiceClient, opts: GrantRelayOptions): GrantRelay {
  return createOutboxRelay<PendingGrant>({
    name: 'grants',
    store: grantOutboxStore(db),
    deliver: (rows) => Promise.all(rows.map((row) => deliverGrant(auth, row))),
    batchSize: BATCH_SIZE,
    pollMs: opts.pollMs,
    leaseMs: opts.leaseMs,
    backoff: { baseMs: BASE_BACKOFF_MS, maxMs: opts.maxBackoffMs },
    log: opts.log,
    metrics: opts.metrics,
    onDelivered: (rows) => opts.onDelivered?.(rows.length),
    describe: (row) => ({ grant: row.payload.idempotencyKey }),
  });
}
