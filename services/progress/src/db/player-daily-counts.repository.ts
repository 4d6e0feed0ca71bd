import { sql } from 'kysely';
import { unnestColumns, type Executor } from '@questline/platform';
import type { ProgressDatabase } from './schema.js';

export interface DailyCountKey {
  userId: string;
  type: string;
  /** 'YYYY-MM-DD' in the user's timezone. */
  day: string;
}

export const dailyCountKey = (k: DailyCountKey) => `${k.userId}\u0000${k.type}\u0000${k.day}`;

/** Which of these (user, event id) pairs are stored already, as `userId + '\u0000' + id` keys. */
export async function storedEventKeys(ex: Executor<ProgressDatabase>, events: Array<{ userId: string; id: string }>): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const col = unnestColumns(events);
  const { rows } = await sql<{ user_id: string; id: string }>`
    SELECT e.user_id, e.id FROM events e
    JOIN unnest(${col('uuid', (e) => e.userId)}, ${col('text', (e) => e.id)}) AS r(u, i) ON e.user_id = r.u AND e.id = r.i`.execute(ex);
  return new Set(rows.map((r) => `${r.user_id}\u0000${r.id}`));
}

/** The stored counts of these (user, type, day) keys, by dailyCountKey (missing = 0). */
export async function loadDailyCounts(ex: Executor<ProgressDatabase>, keys: DailyCountKey[]): Promise<Map<string, number>> {
  if (keys.length === 0) return new Map();
  const col = unnestColumns(keys);
  const { rows } = await sql<{ user_id: string; type: string; day: string; count: number }>`
    SELECT c.user_id, c.type, c.day, c.count FROM player_daily_counts c
    JOIN unnest(${col('uuid', (k) => k.userId)}, ${col('text', (k) => k.type)}, ${col('date', (k) => k.day)}) AS r(u, t, d)
      ON c.user_id = r.u AND c.type = r.t AND c.day = r.d`.execute(ex);
  return new Map(rows.map((r) => [dailyCountKey({ userId: r.user_id, type: r.type, day: r.day }), r.count]));
}

/** Adds to the counts (creating the rows); call under the users' locks, in the transaction storing the events. */
export async function addDailyCounts(ex: Executor<ProgressDatabase>, rows: Array<DailyCountKey & { count: number }>): Promise<void> {
  if (rows.length === 0) return;
  const col = unnestColumns(rows);
  await sql`
    INSERT INTO player_daily_counts (user_id, type, day, count)
    SELECT u, t, d, n FROM unnest(${col('uuid', (r) => r.userId)}, ${col('text', (r) => r.type)}, ${col('date', (r) => r.day)}, ${col('int', (r) => r.count)}) AS r(u, t, d, n)
    ON CONFLICT (user_id, type, day) DO UPDATE SET count = player_daily_counts.count + excluded.count`.execute(ex);
}
