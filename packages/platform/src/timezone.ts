import { IANAZone } from 'luxon';

/** True for IANA zone names the runtime knows (e.g. "Asia/Tokyo", "UTC"); offsets like "+02:00" are not IANA names. */
export function isValidTimezone(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name) && IANAZone.isValidZone(name);
}
