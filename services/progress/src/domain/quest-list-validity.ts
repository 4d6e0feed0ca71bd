import type { PublishedQuest } from '@questline/contracts';
import { periodEndsAt } from './calendar.js';
import type { QuestState } from './quest-state.js';

/**
 * Until when (epoch ms) a user's rendered quest list stays the list that rendering it again from the
 * same states, profile and catalog would give. A list reads the clock in two ways only: through local
 * days and weeks (periods, live streaks, overlaps with a period completed elsewhere), whose every
 * boundary is the end of a day in the user's zone or in a zone one of their states was stored in;
 * and through the quests' schedules (startsAt, endsAt). The earliest of those after `now` ends it.
 */
export function questListValidUntil(quests: readonly PublishedQuest[], states: ReadonlyMap<string, QuestState>, timezone: string, now: Date): number {
  let until = periodEndsAt('daily', now, timezone)!.getTime();
  const zones = new Set<string>();
  for (const s of states.values()) {
    for (const zone of [s.periodZone, s.streakZone, s.completedZone]) if (zone !== null && zone !== timezone) zones.add(zone);
  }
  for (const zone of zones) until = Math.min(until, periodEndsAt('daily', now, zone)!.getTime());
  const t = now.getTime();
  for (const quest of quests) {
    for (const at of [quest.startsAt, quest.endsAt]) {
      if (at === null) continue;
      const ms = Date.parse(at);
      if (ms > t && ms < until) until = ms;
    }
  }
  return until;
}
