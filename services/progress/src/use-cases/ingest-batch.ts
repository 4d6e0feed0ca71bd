import type { IngestEventsResponse, InternalUser, UserEvent } from '@questline/contracts';
import { AppError, UpstreamError } from '@questline/platform';
import type { UserDirectory } from '../clients/user-directory.js';
import { ingestForUser, requireCatalog, type IncomingEvent, type IngestDeps } from './ingest-events.js';

// Clocks differ a little between services; beyond this an occurredAt is a mistake, and letting it
// in would move period keys into the future and make every real event look stale.
const FUTURE_TOLERANCE_MS = 5 * 60_000;
const USER_CONCURRENCY = 4;

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}

export async function lookupUser(users: UserDirectory, userId: string, requestId?: string): Promise<InternalUser | null> {
  try {
    return await users.get(userId, requestId);
  } catch (err) {
    if (err instanceof UpstreamError) throw new AppError(503, 'UPSTREAM_UNAVAILABLE', 'the auth service could not be reached; retry');
    throw err;
  }
}

/**
 * The admin batch and auth's login deliveries: events for many users, each user's applied in
 * occurredAt order (missing → now) in one transaction per user. If auth cannot be asked about a
 * user the whole request fails with 503 before anything is applied, so a retry is exact.
 */
export async function ingestBatch(deps: IngestDeps & { users: UserDirectory }, events: UserEvent[], requestId?: string): Promise<IngestEventsResponse> {
  requireCatalog(deps.catalog);
  const now = Date.now();
  const rejected: IngestEventsResponse['rejected'] = [];

  const userIds = [...new Set(events.map((e) => e.userId))];
  const profiles = new Map<string, InternalUser | null>();
  await forEachLimited(userIds, 8, async (id) => {
    profiles.set(id, await lookupUser(deps.users, id, requestId));
  });

  const perUser = new Map<string, Array<{ index: number; event: IncomingEvent }>>();
  events.forEach((e, index) => {
    const profile = profiles.get(e.userId);
    if (!profile) return rejected.push({ index, code: 'UNKNOWN_USER' });
    if (profile.status === 'banned') return rejected.push({ index, code: 'USER_BANNED' });
    const occurredAt = e.occurredAt ? new Date(e.occurredAt) : new Date(now);
    if (occurredAt.getTime() > now + FUTURE_TOLERANCE_MS) return rejected.push({ index, code: 'OCCURRED_IN_FUTURE' });
    const list = perUser.get(e.userId) ?? [];
    list.push({ index, event: { id: e.id, type: e.type, value: e.value, attributes: e.attributes, occurredAt } });
    perUser.set(e.userId, list);
  });

  let accepted = 0;
  let duplicates = 0;
  await forEachLimited([...perUser], USER_CONCURRENCY, async ([userId, list]) => {
    // Stable: events at the same instant keep their order in the request.
    list.sort((a, b) => a.event.occurredAt.getTime() - b.event.occurredAt.getTime() || a.index - b.index);
    const timezone = profiles.get(userId)!.timezone;
    const { applied } = await ingestForUser(deps, userId, timezone, list.map((l) => l.event));
    for (const a of applied) {
      if (a.duplicate) duplicates++;
      else accepted++;
    }
  });

  rejected.sort((a, b) => a.index - b.index);
  return { accepted, duplicates, rejected };
}
