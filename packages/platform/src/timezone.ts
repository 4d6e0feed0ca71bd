import { IANAZone } from 'luxon';

/**
 * Luxon answers "is this a zone?" by building an Intl.DateTimeFormat every time: tens of µs, and
 * ICU memory outside V8's heap that the garbage collector does not hurry to free (a GET /me/quests
 * over 50 quests asked ~200 times and grew the process to 2 GB). Zone names are few, so answers are
 * remembered; the cap keeps a flood of invented names from growing the map.
 */
const known = new Map<string, boolean>();
const REMEMBERED_MAX = 4096;

export function isKnownZone(name: string): boolean {
  let answer = known.get(name);
  if (answer === undefined) {
    answer = IANAZone.isValidZone(name);
    if (known.size < REMEMBERED_MAX) known.set(name, answer);
  }
  return answer;
}

/** True for IANA zone names the runtime knows (e.g. "Asia/Tokyo", "UTC"); offsets like "+02:00" are not IANA names. */
export function isValidTimezone(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name) && isKnownZone(name);
}
