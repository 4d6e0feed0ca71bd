/**
 * The timezone picker's data (no DOM, so tests/web-units.test.ts runs it under Node): the zones
 * the browser knows under their current IANA names, grouped by region, with their UTC offset now.
 */

/**
 * Browsers list zones under ICU's names, which keep some that IANA renamed long ago (Asia/Calcutta
 * since 1993's Kolkata spelling, Europe/Kiev since 2022). Both names are valid everywhere; people
 * look for the current one.
 */
export const CURRENT_NAMES: Readonly<Record<string, string>> = {
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'America/Coral_Harbour': 'America/Atikokan',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Louisville': 'America/Kentucky/Louisville',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Europe/Uzhgorod': 'Europe/Kyiv',
  'Europe/Zaporozhye': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
};

export const currentName = (zone: string): string => CURRENT_NAMES[zone] ?? zone;

export interface ZoneOption {
  zone: string;
  /** "Kolkata (UTC+05:30)", "Argentina / Buenos Aires (UTC-03:00)". */
  label: string;
  /** Minutes east of UTC now (sorting). */
  offsetMinutes: number;
}

export interface ZoneGroup {
  region: string;
  options: ZoneOption[];
}

/** "GMT+05:30" (Intl's longOffset) → minutes; "GMT" → 0. */
export function offsetMinutesOf(longOffset: string): number {
  const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(longOffset);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

export function offsetLabel(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The zone's offset now, or null for a name this runtime does not know. */
export function zoneOffsetMinutes(zone: string, now: Date): number | null {
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(now).find((p) => p.type === 'timeZoneName');
    return offsetMinutesOf(part?.value ?? 'GMT');
  } catch {
    return null;
  }
}

/** Region groups in alphabetical order (UTC first), zones in each by offset then name. */
export function groupZones(zones: readonly string[], now: Date, offsetOf: (zone: string, now: Date) => number | null = zoneOffsetMinutes): ZoneGroup[] {
  const groups = new Map<string, ZoneOption[]>();
  for (const zone of new Set(zones.map(currentName))) {
    const offset = offsetOf(zone, now);
    if (offset === null) continue;
    const slash = zone.indexOf('/');
    const region = slash < 0 ? 'UTC' : zone.slice(0, slash);
    const place = slash < 0 ? zone : zone.slice(slash + 1).replace(/\//g, ' / ').replace(/_/g, ' ');
    const list = groups.get(region) ?? [];
    list.push({ zone, label: `${place} (${offsetLabel(offset)})`, offsetMinutes: offset });
    groups.set(region, list);
  }
  return [...groups]
    .sort(([a], [b]) => (a === 'UTC' ? -1 : b === 'UTC' ? 1 : a.localeCompare(b)))
    .map(([region, options]) => ({ region, options: options.sort((x, y) => x.offsetMinutes - y.offsetMinutes || x.label.localeCompare(y.label)) }));
}

/**
 * The groups whose zones match a search: every word must appear in the zone's name or label
 * ("new york", "kolkata", "+05:30", "utc-3"); the selected zone always stays so the select never
 * shows a value it does not hold.
 */
export function filterZones(groups: readonly ZoneGroup[], query: string, keep: string): ZoneGroup[] {
  const words = query.toLowerCase().replace(/_/g, ' ').split(/\s+/).filter(Boolean);
  if (!words.length) return [...groups];
  const matches = (o: ZoneOption) => {
    const hay = `${o.zone.replace(/_/g, ' ')} ${o.label}`.toLowerCase();
    return o.zone === keep || words.every((w) => hay.includes(w));
  };
  return groups.map((g) => ({ region: g.region, options: g.options.filter(matches) })).filter((g) => g.options.length > 0);
}

/** Every zone the runtime lists, plus UTC (which some leave out). */
export function knownZones(): string[] {
  try {
    const list = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
    return ['UTC', ...list.filter((z) => z !== 'UTC')];
  } catch {
    return ['UTC'];
  }
}
