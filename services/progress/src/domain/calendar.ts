import { DateTime } from 'luxon';
import type { Repeat } from '@questline/contracts';
import { isKnownZone } from '@questline/platform';

/** An instant: a Date or an RFC 3339 string with an offset. */
export type Instant = Date | string;

/** 'YYYY-MM-DD', a calendar day in some user's own timezone. */
export type LocalDay = string;

/**
 * Days and weeks are always the user's own: the same instant is Monday in Tokyo and Sunday in
 * Los Angeles. An unknown zone (which auth should never hand out) falls back to UTC rather than
 * failing an event.
 */
export function safeZone(zone: string): string {
  return isKnownZone(zone) ? zone : 'UTC';
}

function inZone(instant: Instant, zone: string): DateTime {
  const z = safeZone(zone);
  const dt = typeof instant === 'string' ? DateTime.fromISO(instant, { zone: z }) : DateTime.fromJSDate(instant, { zone: z });
  if (!dt.isValid) throw new RangeError(`invalid instant: ${String(instant)}`);
  return dt;
}

/** The local calendar day of an instant in a zone. */
export function localDay(instant: Instant, zone: string): LocalDay {
  return periodOf('daily', instant, zone).key;
}

/** ISO week (Monday start, week-numbering year) of an instant in a zone, e.g. '2026-W48'. */
export function isoWeekKey(instant: Instant, zone: string): string {
  return periodOf('weekly', instant, zone).key;
}

// Calendar arithmetic on day labels is done in UTC, where every day has 24 hours.
function dayLabel(day: LocalDay): DateTime {
  const dt = DateTime.fromISO(day, { zone: 'UTC' });
  if (!dt.isValid) throw new RangeError(`invalid day: ${day}`);
  return dt;
}

export function previousDay(day: LocalDay): LocalDay {
  return dayLabel(day).minus({ days: 1 }).toFormat('yyyy-MM-dd');
}

export function nextDay(day: LocalDay): LocalDay {
  return dayLabel(day).plus({ days: 1 }).toFormat('yyyy-MM-dd');
}

/**
 * The instant the next local day begins. Adding a calendar day and then taking the start of
 * that day is DST-safe: days of 23 or 25 hours, and zones whose midnight is skipped, all work.
 */
export function startOfNextDay(instant: Instant, zone: string): Date {
  return new Date(periodOf('daily', instant, zone).end);
}

/** The instant the next ISO week (Monday 00:00 local) begins. */
export function startOfNextWeek(instant: Instant, zone: string): Date {
  return new Date(periodOf('weekly', instant, zone).end);
}

/** A period of a kind in a zone, as computed once: its key and its real-time bounds [start, end). */
interface KnownPeriod {
  key: string;
  start: number;
  end: number;
}

// The last period computed per (kind, zone). Every event and every quest view asks for the key and
// the end of the period "now" is in, for the same few zones, so until the period rolls over the
// answer is a lookup and a comparison instead of a timezone computation. Bounded by the number of
// zones (two entries each); an instant outside the remembered period computes and replaces it.
const knownPeriods = new Map<string, KnownPeriod>();

function computePeriod(kind: 'daily' | 'weekly', at: DateTime): KnownPeriod {
  const start = kind === 'daily' ? at.startOf('day') : at.startOf('week');
  const end = kind === 'daily' ? start.plus({ days: 1 }).startOf('day') : start.plus({ weeks: 1 }).startOf('day');
  const key = kind === 'daily' ? at.toFormat('yyyy-MM-dd') : `${at.weekYear}-W${String(at.weekNumber).padStart(2, '0')}`;
  return { key, start: start.toMillis(), end: end.toMillis() };
}

/** The period of `kind` an instant is in, in a zone (see knownPeriods). */
function periodOf(kind: 'daily' | 'weekly', instant: Instant, zone: string): KnownPeriod {
  const t = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  const z = safeZone(zone);
  const cacheKey = `${kind}\u0000${z}`;
  const known = knownPeriods.get(cacheKey);
  if (known && t >= known.start && t < known.end) return known;
  const period = computePeriod(kind, inZone(instant, z));
  knownPeriods.set(cacheKey, period);
  return period;
}

/** The key of the period a repeating quest is in at an instant; null for quests that never reset. */
export function periodKey(repeat: Repeat, instant: Instant, zone: string): string | null {
  return repeat === 'none' ? null : periodOf(repeat, instant, zone).key;
}

/** When the current period of a repeating quest ends; null for quests that never reset. */
export function periodEndsAt(repeat: Repeat, instant: Instant, zone: string): Date | null {
  return repeat === 'none' ? null : new Date(periodOf(repeat, instant, zone).end);
}

/**
 * Period keys of one kind sort chronologically as strings ('YYYY-MM-DD', and 'YYYY-Www' with a
 * zero-padded week), which lets the evaluator recognise events from an earlier period.
 */
export function comparePeriods(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A stretch of real time, [start, end). */
export interface Interval {
  start: Date;
  end: Date;
}

const PERIOD_KEY = { daily: /^\d{4}-\d{2}-\d{2}$/, weekly: /^\d{4}-W\d{2}$/ } as const;

/** Whether a key names a period of that kind ('YYYY-MM-DD' for daily, 'YYYY-Www' for weekly). */
export const isPeriodKey = (repeat: 'daily' | 'weekly', key: string): boolean => PERIOD_KEY[repeat].test(key);

/** The real-time interval a period key ('YYYY-MM-DD' or 'YYYY-Www') covers in a zone (DST-safe, like startOfNextDay). */
export function periodInterval(repeat: 'daily' | 'weekly', key: string, zone: string): Interval {
  const start = DateTime.fromISO(key, { zone: safeZone(zone) });
  if (!start.isValid) throw new RangeError(`invalid period: ${key}`);
  const end = repeat === 'daily' ? start.plus({ days: 1 }).startOf('day') : start.plus({ weeks: 1 }).startOf('day');
  return { start: start.toJSDate(), end: end.toJSDate() };
}

/** The real-time interval of a local day in a zone. */
export const dayInterval = (day: LocalDay, zone: string): Interval => periodInterval('daily', day, zone);

/** A period of a repeating quest: its key and the zone it is a period of. */
export interface ZonedPeriod {
  key: string;
  zone: string;
}

/**
 * The period an instant counts toward, given the period in progress (`current` of `currentZone`):
 * - in the zone of the period in progress (or when that zone is unknown: rows stored before it was
 *   recorded), the instant's own period, or `earlier` when its key is before the current one;
 * - after a timezone change, the period in progress for as long as it lasts in real time, whatever
 *   the date is in the new zone (so moving west never turns the hours left of it into an earlier,
 *   stale date); once it is over, the instant's period of the new zone; `earlier` for an instant
 *   before it began (a late event).
 * Same zone: one key computation and a string comparison, as before zones were recorded.
 */
export function periodAt(repeat: Repeat, at: Date, zone: string, current: string | null, currentZone: string | null): ZonedPeriod | 'earlier' | null {
  if (repeat === 'none') return null;
  const moved = current !== null && currentZone !== null && currentZone !== zone && safeZone(currentZone) !== safeZone(zone);
  // A period of the other kind (the quest's repeat changed since) is no period in progress.
  if (moved && isPeriodKey(repeat, current)) {
    const p = periodInterval(repeat, current, currentZone);
    const t = at.getTime();
    if (t < p.start.getTime()) return 'earlier';
    if (t < p.end.getTime()) return { key: current, zone: currentZone };
  }
  const key = periodKey(repeat, at, zone)!;
  if (moved || current === null) return { key, zone };
  const c = comparePeriods(key, current);
  if (c < 0) return 'earlier';
  // The period in progress again, under the name of its zone (equivalent names: one zone).
  return { key, zone: c === 0 && currentZone !== null ? currentZone : zone };
}

/**
 * Where period `key` of `zone` lies in real time relative to period `doneKey` of `doneZone`: wholly
 * before it, overlapping it, or wholly after it. In one zone the periods of a kind tile time, so the
 * keys decide without any zone arithmetic (the common case stays as cheap as a string comparison).
 */
export function relatePeriods(
  repeat: 'daily' | 'weekly',
  key: string,
  zone: string,
  doneKey: string,
  doneZone: string | null,
): 'before' | 'overlaps' | 'after' {
  // A period of the other kind (the quest's repeat changed since) guards nothing of this kind.
  if (!isPeriodKey(repeat, doneKey)) return 'after';
  if (doneZone === null || safeZone(doneZone) === safeZone(zone)) {
    const c = comparePeriods(key, doneKey);
    return c < 0 ? 'before' : c === 0 ? 'overlaps' : 'after';
  }
  const p = periodInterval(repeat, key, zone);
  const done = periodInterval(repeat, doneKey, doneZone);
  if (p.end.getTime() <= done.start.getTime()) return 'before';
  if (p.start.getTime() >= done.end.getTime()) return 'after';
  return 'overlaps';
}
