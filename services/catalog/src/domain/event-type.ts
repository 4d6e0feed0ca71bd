import { EVENT_TYPE_PATTERN, RESERVED_EVENT_TYPES } from '@questline/contracts';
import { failure, invalid, success, type Outcome } from './outcome.js';

const TYPE_RE = new RegExp(EVENT_TYPE_PATTERN);

export interface EventTypeSettings {
  description: string;
  playerReportable: boolean;
  maxValue: number | null;
  playerDailyLimit: number | null;
}

/** An event type as the admin list shows it: declared or only listened to by quests. */
export interface EventTypeView extends EventTypeSettings {
  type: string;
  declared: boolean;
  usedBy: string[];
  updatedAt: string | null;
}

export const isEventTypeName = (type: string): boolean => type.length >= 1 && type.length <= 64 && TYPE_RE.test(type);

/** A declaration that may be stored: a well-formed name, and never a player-reportable reserved type. */
export function checkDeclaration(type: string, settings: EventTypeSettings): Outcome<EventTypeSettings> {
  if (!isEventTypeName(type)) return invalid('type', `event type must match ${EVENT_TYPE_PATTERN} (1–64 chars)`);
  if (settings.playerReportable && RESERVED_EVENT_TYPES.includes(type)) {
    return failure('EVENT_TYPE_RESERVED', `${type} is emitted by the system itself and can never be player-reportable`, 'playerReportable');
  }
  return success(settings);
}

export const sameSettings = (a: EventTypeSettings, b: EventTypeSettings): boolean =>
  a.description === b.description && a.playerReportable === b.playerReportable && a.maxValue === b.maxValue && a.playerDailyLimit === b.playerDailyLimit;

/**
 * Every declared type and every type a quest listens to, by name. A type nobody declared is
 * server-only: not player-reportable, no limits.
 */
export function eventTypeViews(
  declared: Array<EventTypeSettings & { type: string; updatedAt: string }>,
  usedBy: ReadonlyMap<string, string[]>,
): EventTypeView[] {
  const views = new Map<string, EventTypeView>();
  for (const d of declared) views.set(d.type, { ...d, declared: true, usedBy: usedBy.get(d.type) ?? [] });
  for (const [type, keys] of usedBy) {
    if (views.has(type)) continue;
    views.set(type, { type, description: '', playerReportable: false, maxValue: null, playerDailyLimit: null, declared: false, usedBy: keys, updatedAt: null });
  }
  return [...views.values()].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}
