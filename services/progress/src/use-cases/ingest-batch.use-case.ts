import type { IngestEventsResponse, UserEvent } from '@questline/contracts';
import type { StoredProfile } from '../db/profiles.repository.js';
import { eachLimited, findUnstorableString } from '@questline/platform';
import { requireCatalog } from '../clients/catalog-cache.js';
import type { UserDirectory } from '../clients/user-directory.js';
import type { IncomingEvent, UserEvents } from './apply-types.js';
import { commitEvents, type CommitDeps } from './commit-events.use-case.js';

// Clocks differ a little between services; beyond this an occurredAt is a mistake, and letting it
// in would move period keys into the future and make every real event look stale.
const FUTURE_TOLERANCE_MS = 5 * 60_000;
// A batch is applied in a few transactions of several users each (fewer commits and statements),
// small enough that the users' locks are not held for long, two at a time.
const EVENTS_PER_TRANSACTION = 500;
const TRANSACTION_CONCURRENCY = 2;

/**
 * An event of a batch: auth's deliveries name the user by `userId`; servers (the admin batch) by
 * `userId` or by their own `externalUserId` (with the `timezone` of a user created for it).
 */
export type BatchEvent = Omit<UserEvent, 'userId'> & { userId?: string; externalUserId?: string; timezone?: string };

/** The users behind the batch's external ids, in one call to auth (unknown ones are created, with the first timezone given). */
async function resolveExternalIds(users: UserDirectory, events: BatchEvent[], requestId?: string): Promise<Map<string, StoredProfile>> {
  const wanted = new Map<string, string | undefined>();
  for (const e of events) {
    if (e.externalUserId === undefined) continue;
    if (wanted.get(e.externalUserId) === undefined) wanted.set(e.externalUserId, e.timezone);
  }
  return users.resolveExternal([...wanted].map(([externalId, timezone]) => ({ externalId, ...(timezone !== undefined ? { timezone } : {}) })), requestId);
}

/**
 * Why an event is refused before its user is looked up, if it is: a string PostgreSQL cannot store,
 * not exactly one of userId / externalUserId, a timezone without an externalUserId (it is only
 * the timezone of a user created for one), an occurredAt in the future.
 */
function refusalOf(e: BatchEvent, now: number): 'VALIDATION_FAILED' | 'OCCURRED_IN_FUTURE' | undefined {
  if (findUnstorableString(e) !== undefined) return 'VALIDATION_FAILED';
  if ((e.userId === undefined) === (e.externalUserId === undefined)) return 'VALIDATION_FAILED';
  if (e.timezone !== undefined && e.externalUserId === undefined) return 'VALIDATION_FAILED';
  if (e.occurredAt && new Date(e.occurredAt).getTime() > now + FUTURE_TOLERANCE_MS) return 'OCCURRED_IN_FUTURE';
  return undefined;
}

/**
 * The admin batch and auth's login deliveries: events for many users, each user's applied in
 * occurredAt order (missing → now), all of one user's in the same transaction, each event's day in the user's
 * timezone as stored now. If auth must be asked about a user progress has never heard of and cannot
 * be reached, the whole request fails with 503 before anything is applied, so a retry is exact.
 * An event holding a string PostgreSQL cannot store as sent (NUL, lone surrogate) is rejected alone
 * (the routes leave `events` out of the whole-request check for this).
 */
export async function ingestBatch(deps: CommitDeps & { users: UserDirectory }, events: BatchEvent[], requestId?: string): Promise<IngestEventsResponse> {
  requireCatalog(deps.catalog);
  const now = Date.now();
  const rejected: IngestEventsResponse['rejected'] = [];

  // Every check that needs no user comes first: an event refused by one of them must not create
  // the user its external id names (a refusal writes nothing).
  const early = events.map((e) => refusalOf(e, now));
  const storable = early.map((code) => code === undefined);
  const external = await resolveExternalIds(deps.users, events.filter((_, index) => storable[index]), requestId);
  // undefined: an external id auth's answer left out (it should not), rejected as unknown below.
  const userIdOf = (e: BatchEvent): string | undefined => e.userId ?? external.get(e.externalUserId!)?.id;
  const userIds = [...new Set(events.filter((e, index) => storable[index] && e.userId !== undefined).map((e) => e.userId!))];
  const profiles = await deps.users.getMany(userIds, requestId);
  for (const profile of external.values()) profiles.set(profile.id, profile);

  const perUser = new Map<string, Array<{ index: number; event: IncomingEvent }>>();
  events.forEach((e, index) => {
    const code = early[index];
    if (code !== undefined) return rejected.push({ index, code });
    const userId = userIdOf(e);
    const profile = userId === undefined ? undefined : profiles.get(userId);
    if (!profile || userId === undefined) return rejected.push({ index, code: 'UNKNOWN_USER' });
    if (profile.status === 'banned') return rejected.push({ index, code: 'USER_BANNED' });
    const occurredAt = e.occurredAt ? new Date(e.occurredAt) : new Date(now);
    const list = perUser.get(userId) ?? [];
    list.push({ index, event: { id: e.id, type: e.type, value: e.value, attributes: e.attributes, occurredAt } });
    perUser.set(userId, list);
  });

  // Each user's events in occurredAt order; stable, so events at the same instant keep their order in the request.
  const chunks: UserEvents[][] = [];
  let chunk: UserEvents[] = [];
  let size = 0;
  for (const [userId, list] of perUser) {
    list.sort((a, b) => a.event.occurredAt.getTime() - b.event.occurredAt.getTime() || a.index - b.index);
    if (size > 0 && size + list.length > EVENTS_PER_TRANSACTION) {
      chunks.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push({ userId, timezone: profiles.get(userId)!.timezone, events: list.map((l) => l.event) });
    size += list.length;
  }
  if (chunk.length > 0) chunks.push(chunk);

  let accepted = 0;
  let duplicates = 0;
  await eachLimited(chunks, TRANSACTION_CONCURRENCY, async (users) => {
    for (const { applied } of await commitEvents(deps, users)) {
      for (const a of applied) {
        if (a.duplicate) duplicates++;
        else accepted++;
      }
    }
  });

  rejected.sort((a, b) => a.index - b.index);
  return { accepted, duplicates, rejected };
}
