import type { Transaction } from 'kysely';
import type { ProgressDatabase } from '../db/schema.js';
import { addDailyCounts, dailyCountKey, loadDailyCounts, storedEventKeys, type DailyCountKey } from '../db/player-daily-counts.repository.js';
import { eventKey, type UserEvents } from './apply-types.js';

/**
 * Players' daily limits, inside the transaction that stores their events and under the users'
 * locks (taken before), so concurrent requests of one user are counted one after the other and no
 * race lets an extra event through. An event whose id is stored already is a duplicate: not
 * counted, not refused (it answers as a duplicate). Returns the events refused (to be left out of
 * the insert); the counts of the others are added in the same transaction.
 */
export async function countDailyLimits(trx: Transaction<ProgressDatabase>, lists: UserEvents[]): Promise<Set<string>> {
  const refused = new Set<string>();
  const limited = lists.flatMap((u) => u.events.filter((e) => e.dailyLimit).map((e) => ({ userId: u.userId, event: e })));
  if (limited.length === 0) return refused;

  const stored = await storedEventKeys(trx, limited.map(({ userId, event }) => ({ userId, id: event.id })));
  const keys = new Map<string, DailyCountKey>();
  for (const { userId, event } of limited) {
    const key = { userId, type: event.type, day: event.dailyLimit!.day };
    keys.set(dailyCountKey(key), key);
  }
  const counts = await loadDailyCounts(trx, [...keys.values()]);
  const added = new Map<string, number>();
  const decided = new Set<string>();
  for (const { userId, event } of limited) {
    const id = eventKey(userId, event.id);
    // A stored id, or one this transaction already decided on (a retry racing the original), is not counted again.
    if (stored.has(id) || decided.has(id)) continue;
    decided.add(id);
    const countKey = dailyCountKey({ userId, type: event.type, day: event.dailyLimit!.day });
    const count = (counts.get(countKey) ?? 0) + (added.get(countKey) ?? 0);
    if (count >= event.dailyLimit!.limit) refused.add(id);
    else added.set(countKey, (added.get(countKey) ?? 0) + 1);
  }
  await addDailyCounts(trx, [...added].map(([k, count]) => ({ ...keys.get(k)!, count })));
  return refused;
}
