import { dayInterval, localDay, previousDay, safeZone, type Instant, type LocalDay } from './calendar.js';

/**
 * Where an instant falls relative to a streak's last counted day:
 * - `first`: no day counted yet;
 * - `same`: the last counted day again, or (after a timezone change) a local day that overlaps it in
 *   real time: counts nothing, breaks nothing (a day never counts twice);
 * - `earlier`: a day before the last counted one: a late event (counts nothing at that point in
 *   time; late events are replayed in time order);
 * - `next`: the day after the last counted one, extending the streak;
 * - `gap`: a whole day was missed; the streak restarts at 1.
 *
 * Days are computed in `zone`, the user's timezone when the event is ingested. In the zone the last
 * day was counted in (`lastZone`), or when it is unknown, the calendar dates decide. After a
 * timezone change the days are compared as real-time intervals ("Timezone-fair periods" in the
 * README): a day overlapping the last counted one is `same` (so moving east never brings a new day
 * sooner than in real time), one wholly after it is `next` unless the whole local day before it also
 * lies after the last counted day (then a day was really missed: `gap`).
 */
export type StreakStep = 'first' | 'same' | 'earlier' | 'next' | 'gap';

export function streakStep(last: LocalDay | null, lastZone: string | null, at: Instant, zone: string): StreakStep {
  if (last === null) return 'first';
  const day = localDay(at, zone);
  if (lastZone === null || safeZone(lastZone) === safeZone(zone)) {
    if (day === last) return 'same';
    if (day < last) return 'earlier';
    return previousDay(day) === last ? 'next' : 'gap';
  }
  const counted = dayInterval(last, lastZone);
  const now = dayInterval(day, zone);
  if (now.end <= counted.start) return 'earlier';
  if (now.start < counted.end) {
    // An event before the counted day began is a late one (a replay places it); otherwise the
    // overlapping day is the counted day lived again in the new zone.
    const t = typeof at === 'string' ? Date.parse(at) : at.getTime();
    return t < counted.start.getTime() ? 'earlier' : 'same';
  }
  return dayInterval(previousDay(day), zone).start < counted.end ? 'next' : 'gap';
}
