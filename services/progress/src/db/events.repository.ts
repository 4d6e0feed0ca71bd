import type { Executor } from '@questline/platform';
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

/** Records an event once; false when (userId, id) was seen before, which makes the event a duplicate. */
export async function insertEvent(ex: Executor<ProgressDatabase>, e: NewEvent): Promise<boolean> {
  const rows = await ex
    .insertInto('events')
    .values({
      user_id: e.userId,
      id: e.id,
      type: e.type,
      value: e.value,
      attributes: JSON.stringify(e.attributes),
      occurred_at: e.occurredAt,
      zone: e.zone,
    })
    .onConflict((oc) => oc.columns(['user_id', 'id']).doNothing())
    .returning('id')
    .execute();
  return rows.length === 1;
}

// 8 parameters a row; PostgreSQL takes at most 65535 parameters a statement.
const INSERT_CHUNK = 1000;

/**
 * Records many events (of several users) in as few statements as possible; returns the
 * `userId + '\u0000' + id` keys that were new. An id already stored, or repeated earlier in the
 * list, is not returned: that event is a duplicate.
 */
export async function insertEvents(ex: Executor<ProgressDatabase>, events: NewEvent[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  const seen = new Set<string>();
  const unique = events.filter((e) => {
    const key = `${e.userId}\u0000${e.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  for (let i = 0; i < unique.length; i += INSERT_CHUNK) {
    const rows = await ex
      .insertInto('events')
      .values(
        unique.slice(i, i + INSERT_CHUNK).map((e) => ({
          user_id: e.userId,
          id: e.id,
          type: e.type,
          value: e.value,
          attributes: JSON.stringify(e.attributes),
          occurred_at: e.occurredAt,
          zone: e.zone,
        })),
      )
      .onConflict((oc) => oc.columns(['user_id', 'id']).doNothing())
      .returning(['user_id', 'id'])
      .execute();
    for (const r of rows) inserted.add(`${r.user_id}\u0000${r.id}`);
  }
  return inserted;
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
