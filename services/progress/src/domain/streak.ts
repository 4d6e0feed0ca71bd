import { localDay, nextDay, previousDay, type Instant, type LocalDay } from './calendar.js';

/**
 * Where an instant falls relative to a streak's last counted day:
 * - `first`: no day counted yet;
 * - `same`: the last counted date again (counts nothing: a date never counts twice);
 * - `earlier`: a date before the last counted one: a late event, or a date that repeats because the
 *   user moved west (counts nothing at that point in time; late events are replayed in time order);
 * - `next`: the date after the last counted one, extending the streak;
 * - `gap`: a date was missed; the streak restarts at 1.
 *
 * Dates are computed in `zone`, the user's timezone when the event is ingested. When the user changed
 * timezone since the last counted day (`lastZone`), a gap that only the change made is forgiven: if,
 * in the zone the last day was counted in, the instant is still that day or the next one, it is `next`.
 */
export type StreakStep = 'first' | 'same' | 'earlier' | 'next' | 'gap';

export function streakStep(last: LocalDay | null, lastZone: string | null, at: Instant, zone: string): StreakStep {
  if (last === null) return 'first';
  const day = localDay(at, zone);
  if (day === last) return 'same';
  if (day < last) return 'earlier';
  if (previousDay(day) === last) return 'next';
  if (lastZone !== null && lastZone !== zone) {
    const inOldZone = localDay(at, lastZone);
    if (inOldZone === last || inOldZone === nextDay(last)) return 'next';
  }
  return 'gap';
}
