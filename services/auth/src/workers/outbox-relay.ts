import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import {
  createOutboxRelay as createPlatformRelay,
  delivered,
  deadLetter,
  outcomeOfAnswer,
  retryLater,
  type DeliveryContext,
  type DeliveryOutcome,
  type OutboxRelayMetrics,
  type ServiceClient,
} from '@questline/platform';
import type { IngestEventsRequest, IngestEventsResponse } from '@questline/contracts';
import type { AuthDatabase, OutboxKind, OutboxRow } from '../db/schema.js';
import { outboxStore } from '../db/outbox.repository.js';
import { findUsersByIds } from '../db/users.repository.js';
import { OUTBOX_BACKOFF } from '../domain/retry.js';
import { toProfileUpdate } from '../domain/profiles.js';

export const OUTBOX_BATCH = 100;
/**
 * A nudge waits this long before delivering, so that the commits of a busy moment leave in one
 * batch (one request for many logins) rather than one each.
 */
export const NUDGE_DELAY_MS = 20;

export interface OutboxRelay {
  start(): void;
  /** Deliver rows of this kind now (after a commit) instead of waiting for the next poll. */
  nudge(kind: OutboxKind): void;
  /** Stops polling and waits for the passes in flight, so the pool can close safely. */
  stop(): Promise<void>;
  /** One pass over every due row of both kinds; resolves when done. */
  runOnce(): Promise<void>;
}

export interface OutboxRelayOptions {
  db: Kysely<AuthDatabase>;
  /** Its timeout must stay well inside the lease (relayHttpTimeoutMs). */
  progress: ServiceClient;
  pollMs: number;
  leaseMs: number;
  log: FastifyBaseLogger;
  metrics?: OutboxRelayMetrics;
}

/**
 * Login rows as one batch of events (POST /internal/events, event id = row id, so a redelivery is a
 * duplicate there, never a second login).
 */
async function deliverLogins(progress: ServiceClient, log: FastifyBaseLogger, rows: OutboxRow[]): Promise<DeliveryOutcome[]> {
  const body: IngestEventsRequest = {
    events: rows.map((r) => ({ id: r.id, userId: r.user_id, type: 'login', occurredAt: r.occurred_at.toISOString() })),
  };
  let status: number;
  let response: unknown;
  try {
    ({ status, body: response } = await progress.request<IngestEventsResponse>('POST', '/internal/events', {
      body,
      requestId: `login-relay-${randomUUID()}`,
    }));
  } catch (err) {
    return rows.map(() => retryLater((err as Error).message));
  }
  // A refusal of the whole batch is never final for its logins: retried (a login is never lost).
  const outcome = outcomeOfAnswer(status, response);
  if (outcome.status !== 'delivered') return rows.map(() => outcome);

  const rejected = Array.isArray((response as IngestEventsResponse | undefined)?.rejected) ? (response as IngestEventsResponse).rejected : [];
  const outcomes: DeliveryOutcome[] = rows.map(() => delivered);
  for (const { index, code } of rejected) {
    const row = rows[index];
    if (!row) continue;
    if (code === 'USER_BANNED') {
      // A banned user makes no progress; retrying would never succeed, so the event is settled.
      log.info({ eventId: row.id, userId: row.user_id }, 'outbox relay: login dropped by progress, user is banned');
    } else if (code === 'VALIDATION_FAILED') {
      // Progress cannot store this event as it is; sending it again cannot change that.
      outcomes[index] = deadLetter(`rejected: ${code}`);
    } else {
      // UNKNOWN_USER (its profile not there yet), OCCURRED_IN_FUTURE (clock skew): later, it passes.
      outcomes[index] = retryLater(`rejected: ${code}`);
    }
  }
  return outcomes;
}

/**
 * Profile rows as their users' current profiles, all in one POST /internal/users/profiles (progress
 * keeps the highest version of each, so a redelivery or a late one is harmless). A user auth no
 * longer has is settled: there is nothing to tell.
 */
async function deliverProfiles(db: Kysely<AuthDatabase>, progress: ServiceClient, rows: OutboxRow[], { signal }: DeliveryContext): Promise<Array<DeliveryOutcome | undefined>> {
  // The users' state now, not at the time of the row: newer is what progress wants anyway.
  const users = await findUsersByIds(db, [...new Set(rows.map((r) => r.user_id))]);
  if (users.length === 0) return rows.map(() => delivered);
  // Past half the lease the rows are released for the next pass rather than sent late.
  if (signal.aborted) return rows.map(() => undefined);
  let outcome: DeliveryOutcome;
  try {
    const { status, body: response } = await progress.request('POST', '/internal/users/profiles', {
      body: { profiles: users.map(toProfileUpdate) },
      requestId: `profile-relay-${randomUUID()}`,
    });
    // Never final: a profile may carry a ban, and progress keeps only the newest version anyway.
    outcome = outcomeOfAnswer(status, response);
  } catch (err) {
    outcome = retryLater((err as Error).message);
  }
  return rows.map(() => outcome);
}

/**
 * Delivers the outbox to progress through the platform relay, one relay per kind (`relay` label
 * `login` / `profile`), so that profile updates that fail cannot hold back login events, and a nudge
 * after a login does not pay for a look at the profile rows. Anything but a 2xx is retried with
 * backoff, except a refusal no retry can change, which is dead-lettered.
 */
export function createOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  const { db, progress, log } = opts;
  const common = {
    batchSize: OUTBOX_BATCH,
    pollMs: opts.pollMs,
    leaseMs: opts.leaseMs,
    backoff: OUTBOX_BACKOFF,
    nudgeDelayMs: NUDGE_DELAY_MS,
    // A backlog after an outage clears in one go.
    maxBatchesPerPass: Number.POSITIVE_INFINITY,
    log,
    metrics: opts.metrics,
    describe: (row: OutboxRow) => ({ userId: row.user_id }),
  };
  const relays = {
    login: createPlatformRelay<OutboxRow>({ ...common, name: 'login', store: outboxStore(db, 'login'), deliver: (rows) => deliverLogins(progress, log, rows) }),
    profile: createPlatformRelay<OutboxRow>({ ...common, name: 'profile', store: outboxStore(db, 'profile'), deliver: (rows, ctx) => deliverProfiles(db, progress, rows, ctx) }),
  };
  const all = Object.values(relays);
  return {
    start: () => all.forEach((r) => r.start()),
    nudge: (kind) => relays[kind].nudge(),
    async stop() {
      await Promise.all(all.map((r) => r.stop()));
    },
    async runOnce() {
      await Promise.all(all.map((r) => r.runOnce()));
    },
  };
}
