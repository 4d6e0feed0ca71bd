import type { Executor } from '@questline/platform';
import type { ProgressDatabase } from './schema.js';

export interface NewEvent {
  userId: string;
  id: string;
  type: string;
  value: number | null;
  attributes: Record<string, string | number | boolean>;
  occurredAt: Date;
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
    })
    .onConflict((oc) => oc.columns(['user_id', 'id']).doNothing())
    .returning('id')
    .execute();
  return rows.length === 1;
}

export interface StoredEvent {
  id: string;
  type: string;
  value: number | null;
  attributes: Record<string, string | number | boolean>;
  occurredAt: Date;
}

/** One user's events of one type in the order they happened (arrival breaks ties), for replay. */
export async function listEventsOfType(ex: Executor<ProgressDatabase>, userId: string, type: string): Promise<StoredEvent[]> {
  const rows = await ex
    .selectFrom('events')
    .select(['id', 'type', 'value', 'attributes', 'occurred_at', 'received_at'])
    .where('user_id', '=', userId)
    .where('type', '=', type)
    .orderBy('occurred_at')
    .orderBy('received_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, type: r.type, value: r.value, attributes: r.attributes, occurredAt: r.occurred_at }));
}
