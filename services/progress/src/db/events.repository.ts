import { sql, type RawBuilder } from 'kysely';
import { unnestColumns, type Executor } from '@questline/platform';
import type { ProgressDatabase } from './schema.js';

export interface NewEvent {
  userId: string;
  id: string;
  type: string;
  value: number | null;
  attributes: Record<string, string | number | boolean>;
  occurredAt: Date;
  /** The user's timezone at ingestion: the zone the event's local day is computed in. */
  zone: string;
}

/**
 * Records many events (of several users) in one statement (one array parameter per column, so
 * any number of rows); returns the `userId + '\u0000' + id` keys that were new. An id already
 * stored, or repeated earlier in the list, is not returned: that event is a duplicate.
 */
export async function insertEvents(ex: Executor<ProgressDatabase>, events: NewEvent[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  const statement = insertEventsStatement(events);
  if (!statement) return inserted;
  const { rows } = await statement.execute(ex);
  for (const r of rows) inserted.add(`${r.user_id}\u0000${r.id}`);
  return inserted;
}

/**
 * The statement insertEvents runs, `RETURNING user_id, id` of the new events (null for none), for a
 * caller that combines it with a read. An id repeated within the list is sent once.
 */
export function insertEventsStatement(events: NewEvent[]): RawBuilder<{ user_id: string; id: string }> | null {
  const seen = new Set<string>();
  const unique = events.filter((e) => {
    const key = `${e.userId}\u0000${e.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (unique.length === 0) return null;
  const col = unnestColumns(unique);
  return sql<{ user_id: string; id: string }>`
    INSERT INTO events (user_id, id, type, value, attributes, occurred_at, zone)
    SELECT u, i, t, v, a::jsonb, o, z FROM unnest(
      ${col('uuid', (e) => e.userId)}, ${col('text', (e) => e.id)}, ${col('text', (e) => e.type)}, ${col('bigint', (e) => e.value)},
      ${col('text', (e) => JSON.stringify(e.attributes))}, ${col('timestamptz', (e) => e.occurredAt)}, ${col('text', (e) => e.zone)}
    ) AS r(u, i, t, v, a, o, z)
    ON CONFLICT (user_id, id) DO NOTHING
    RETURNING user_id, id`;
}

export interface StoredEvent {
  id: string;
  type: string;
  value: number | null;
  attributes: Record<string, string | number | boolean>;
  occurredAt: Date;
  zone: string | null;
}

/**
 * One user's events of one type in the order they happened (arrival breaks ties), for replay;
 * only those received since `since` when given (what a quest's counter counts).
 */
export async function listEventsOfType(ex: Executor<ProgressDatabase>, userId: string, type: string, since: Date | null = null): Promise<StoredEvent[]> {
  let query = ex
    .selectFrom('events')
    .select(['id', 'type', 'value', 'attributes', 'occurred_at', 'received_at', 'zone'])
    .where('user_id', '=', userId)
    .where('type', '=', type);
  if (since) query = query.where('received_at', '>=', since);
  const rows = await query
    .orderBy('occurred_at')
    .orderBy('received_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, type: r.type, value: r.value, attributes: r.attributes, occurredAt: r.occurred_at, zone: r.zone }));
}

/**
 * The latest occurredAt among one user's stored events of one type received since `since` (what a
 * quest's counter counts), leaving out the given ids (this transaction's own events, which the
 * caller tracks itself); null when there is none. One step down the (user, type, occurred_at) index.
 */
export async function latestOccurredAt(
  ex: Executor<ProgressDatabase>,
  userId: string,
  type: string,
  since: Date | null,
  excludeIds: string[],
): Promise<Date | null> {
  let query = ex
    .selectFrom('events')
    .select('occurred_at')
    .where('user_id', '=', userId)
    .where('type', '=', type);
  if (since) query = query.where('received_at', '>=', since);
  if (excludeIds.length > 0) query = query.where(sql<boolean>`id <> ALL(${excludeIds}::text[])`);
  const row = await query.orderBy('occurred_at', 'desc').limit(1).executeTakeFirst();
  return row?.occurred_at ?? null;
}
