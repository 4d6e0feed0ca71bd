import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { ServiceClient } from '@questline/platform';
import type { IngestEventsRequest, IngestEventsResponse } from '@questline/contracts';
import type { AuthDatabase, LoginOutboxRow } from '../db/schema.js';
import { claimDueLoginEvents, markLoginEventFailed, markLoginEventsDelivered } from '../db/login-outbox.repository.js';
import { retryDelayMs } from '../domain/retry.js';

export const LOGIN_RELAY_BATCH = 100;

export interface LoginRelay {
  start(): void;
  /** Deliver now (after a login commits) instead of waiting for the next poll. */
  nudge(): void;
  /** Stops polling and waits for an in-flight batch, so the pool can close safely. */
  stop(): Promise<void>;
  /** One pass over every due row; resolves when done. */
  runOnce(): Promise<void>;
}

export interface LoginRelayOptions {
  db: Kysely<AuthDatabase>;
  progress: ServiceClient;
  pollMs: number;
  log: FastifyBaseLogger;
}

interface BatchResult {
  claimed: number;
  failed: number;
}

/**
 * Delivers login events from the outbox to progress. Rows stay locked (FOR UPDATE SKIP LOCKED)
 * while their batch is in flight, so replicas never send the same rows at once; the event id is
 * the row id, so a redelivery after a crash is a duplicate for progress, never a second login.
 */
export function createLoginRelay(opts: LoginRelayOptions): LoginRelay {
  const { db, progress, log } = opts;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  async function fail(trx: Kysely<AuthDatabase>, row: LoginOutboxRow, error: string) {
    await markLoginEventFailed(trx, row.id, error, retryDelayMs(row.attempts + 1));
  }

  async function deliverBatch(): Promise<BatchResult> {
    return db.transaction().execute(async (trx) => {
      const rows = await claimDueLoginEvents(trx, LOGIN_RELAY_BATCH);
      if (rows.length === 0) return { claimed: 0, failed: 0 };
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
        const message = (err as Error).message;
        log.warn({ error: message, count: rows.length }, 'login relay: progress unreachable; will retry');
        for (const row of rows) await fail(trx, row, message);
        return { claimed: rows.length, failed: rows.length };
      }
      if (status < 200 || status >= 300) {
        log.warn({ status, count: rows.length }, 'login relay: progress refused the batch; will retry');
        for (const row of rows) await fail(trx, row, `HTTP ${status}`);
        return { claimed: rows.length, failed: rows.length };
      }

      const rejected = Array.isArray((response as IngestEventsResponse | undefined)?.rejected)
        ? (response as IngestEventsResponse).rejected
        : [];
      const retry = new Map<number, string>();
      for (const { index, code } of rejected) {
        const row = rows[index];
        if (!row) continue;
        if (code === 'USER_BANNED') {
          // A banned user makes no progress; retrying would never succeed, so the event is settled.
          log.info({ eventId: row.id, userId: row.user_id }, 'login relay: event dropped by progress, user is banned');
        } else {
          log.warn({ eventId: row.id, userId: row.user_id, code }, 'login relay: event rejected by progress; will retry');
          retry.set(index, code);
        }
      }
      await markLoginEventsDelivered(
        trx,
        rows.filter((_, i) => !retry.has(i)).map((r) => r.id),
      );
      for (const [index, code] of retry) await fail(trx, rows[index]!, `rejected: ${code}`);
      return { claimed: rows.length, failed: retry.size };
    });
  }

  async function drain() {
    // Keep going while full batches succeed: a backlog after an outage clears at once.
    for (;;) {
      const { claimed, failed } = await deliverBatch();
      if (stopped || claimed < LOGIN_RELAY_BATCH || failed > 0) return;
    }
  }

  function trigger(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await drain();
        } catch (err) {
          log.error({ err }, 'login relay: pass failed');
        }
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    start() {
      if (timer || stopped) return;
      timer = setInterval(() => void trigger(), opts.pollMs);
      timer.unref();
      void trigger();
    },
    nudge() {
      void trigger();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
    runOnce: trigger,
  };
}
