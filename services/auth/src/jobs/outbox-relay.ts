import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { ServiceClient } from '@questline/platform';
import type { IngestEventsRequest, IngestEventsResponse } from '@questline/contracts';
import type { AuthDatabase, OutboxKind, OutboxRow } from '../db/schema.js';
import { claimDueOutboxRows, markOutboxRowFailed, markOutboxRowsDelivered } from '../db/outbox.repository.js';
import { findUsersByIds } from '../db/users.repository.js';
import { retryDelayMs } from '../domain/retry.js';
import { toProfileUpdate } from '../domain/profiles.js';

export const OUTBOX_BATCH = 100;
/** Profile updates go one user per request; this many are in flight at once. */
const PROFILE_CONCURRENCY = 8;
/**
 * A nudge waits this long before delivering, so that the commits of a busy moment leave in one
 * batch (one transaction and one request for many logins) rather than one each.
 */
export const NUDGE_DELAY_MS = 20;

export interface OutboxRelay {
  start(): void;
  /** Deliver rows of this kind now (after a commit) instead of waiting for the next poll. */
  nudge(kind: OutboxKind): void;
  /** Stops polling and waits for an in-flight pass, so the pool can close safely. */
  stop(): Promise<void>;
  /** One pass over every due row; resolves when done. */
  runOnce(): Promise<void>;
}

export interface OutboxRelayOptions {
  db: Kysely<AuthDatabase>;
  progress: ServiceClient;
  pollMs: number;
  log: FastifyBaseLogger;
}

interface BatchResult {
  claimed: number;
  failed: number;
}

type Trx = Transaction<AuthDatabase>;

async function failAll(trx: Trx, rows: OutboxRow[], error: string) {
  for (const row of rows) await markOutboxRowFailed(trx, row.id, error, retryDelayMs(row.attempts + 1));
}

async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

/**
 * Delivers the outbox to progress: `login` rows as events (POST /internal/events, event id = row
 * id, so a redelivery is a duplicate there, never a second login) and `profile` rows as the user's
 * current profile (POST /internal/users/:id/profile; progress keeps the highest version, so a
 * redelivery or a late one is harmless). Rows stay locked (FOR UPDATE SKIP LOCKED) while their
 * batch is in flight, so replicas never send the same rows at once; anything but a 2xx — a 404
 * from a progress that does not know the route yet included — is retried with backoff.
 */
export function createOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  const { db, progress, log } = opts;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let nudgeTimer: NodeJS.Timeout | undefined;
  const nudged = new Set<OutboxKind>();

  async function deliverLogins(): Promise<BatchResult> {
    return db.transaction().execute(async (trx) => {
      const rows = await claimDueOutboxRows(trx, 'login', OUTBOX_BATCH);
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
        log.warn({ error: message, count: rows.length }, 'outbox relay: progress unreachable; will retry logins');
        await failAll(trx, rows, message);
        return { claimed: rows.length, failed: rows.length };
      }
      if (status < 200 || status >= 300) {
        log.warn({ status, count: rows.length }, 'outbox relay: progress refused the login batch; will retry');
        await failAll(trx, rows, `HTTP ${status}`);
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
          log.info({ eventId: row.id, userId: row.user_id }, 'outbox relay: login dropped by progress, user is banned');
        } else {
          log.warn({ eventId: row.id, userId: row.user_id, code }, 'outbox relay: login rejected by progress; will retry');
          retry.set(index, code);
        }
      }
      await markOutboxRowsDelivered(
        trx,
        rows.filter((_, i) => !retry.has(i)).map((r) => r.id),
      );
      for (const [index, code] of retry) await failAll(trx, [rows[index]!], `rejected: ${code}`);
      return { claimed: rows.length, failed: retry.size };
    });
  }

  async function deliverProfiles(): Promise<BatchResult> {
    return db.transaction().execute(async (trx) => {
      const rows = await claimDueOutboxRows(trx, 'profile', OUTBOX_BATCH);
      if (rows.length === 0) return { claimed: 0, failed: 0 };
      const byUser = new Map<string, OutboxRow[]>();
      for (const row of rows) byUser.set(row.user_id, [...(byUser.get(row.user_id) ?? []), row]);
      // The user's state now, not at the time of the row: newer is what progress wants anyway.
      const users = new Map((await findUsersByIds(trx, [...byUser.keys()])).map((u) => [u.id, u]));
      const delivered: string[] = [];
      const failed: Array<[OutboxRow[], string]> = [];
      await eachLimited([...byUser], PROFILE_CONCURRENCY, async ([userId, userRows]) => {
        const user = users.get(userId);
        if (!user) {
          delivered.push(...userRows.map((r) => r.id));
          return;
        }
        try {
          const { status } = await progress.request('POST', `/internal/users/${userId}/profile`, {
            body: toProfileUpdate(user),
            requestId: `profile-relay-${randomUUID()}`,
          });
          if (status >= 200 && status < 300) delivered.push(...userRows.map((r) => r.id));
          else failed.push([userRows, `HTTP ${status}`]);
        } catch (err) {
          failed.push([userRows, (err as Error).message]);
        }
      });
      await markOutboxRowsDelivered(trx, delivered);
      for (const [userRows, error] of failed) await failAll(trx, userRows, error);
      const failedCount = failed.reduce((n, [r]) => n + r.length, 0);
      if (failedCount > 0) {
        log.warn({ count: failedCount, error: failed[0]![1] }, 'outbox relay: profile updates not accepted by progress; will retry');
      }
      return { claimed: rows.length, failed: failedCount };
    });
  }

  const deliver: Record<OutboxKind, () => Promise<BatchResult>> = { login: deliverLogins, profile: deliverProfiles };

  /**
   * Keeps going while full batches succeed, so a backlog after an outage clears at once. Each kind
   * has its own batches, so profile updates that fail cannot hold back login events, and a nudge
   * after a login does not pay for a look at the profile rows.
   */
  async function drain(kinds: Set<OutboxKind>) {
    while (!stopped && kinds.size > 0) {
      for (const kind of [...kinds]) {
        if (stopped) return;
        const r = await deliver[kind]();
        if (r.claimed < OUTBOX_BATCH || r.failed > 0) kinds.delete(kind);
      }
    }
  }

  // Kinds asked for while a pass is running; the pass picks them up before it ends.
  const wanted = new Set<OutboxKind>();

  function trigger(kinds: OutboxKind[]): Promise<void> {
    if (stopped) return Promise.resolve();
    for (const kind of kinds) wanted.add(kind);
    if (running) return running;
    running = (async () => {
      while (wanted.size > 0 && !stopped) {
        const kindsNow = new Set(wanted);
        wanted.clear();
        try {
          await drain(kindsNow);
        } catch (err) {
          log.error({ err }, 'outbox relay: pass failed');
        }
      }
    })().finally(() => {
      running = undefined;
      // Asked for between the loop's last look and now.
      if (wanted.size > 0 && !stopped) void trigger([]);
    });
    return running;
  }

  const ALL: OutboxKind[] = ['login', 'profile'];

  return {
    start() {
      if (timer || stopped) return;
      timer = setInterval(() => void trigger(ALL), opts.pollMs);
      timer.unref();
      void trigger(ALL);
    },
    nudge(kind) {
      nudged.add(kind);
      nudgeTimer ??= setTimeout(() => {
        nudgeTimer = undefined;
        const kinds = [...nudged];
        nudged.clear();
        void trigger(kinds);
      }, NUDGE_DELAY_MS);
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      if (nudgeTimer) clearTimeout(nudgeTimer);
      timer = undefined;
      await running;
    },
    runOnce: () => trigger(ALL),
  };
}
