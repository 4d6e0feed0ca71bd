import type { Objective, QuestView, RewardItem } from '../api/types.js';

/**
 * A quest card's sentences in plain words, from the view alone (no DOM, so tests/web-units.test.ts
 * runs them under Node): what to do, what it pays, what keeps it locked, how far along it is.
 */

/** `dog_walked` → "dog walked": event names are identifiers, not words. */
export function humanize(event: string): string {
  return event.replace(/[._:-]+/g, ' ').trim();
}

function times(n: number): string {
  return n === 1 ? 'once' : n === 2 ? 'twice' : `${n.toLocaleString('en-US')} times`;
}

export function objectiveText(o: Objective): string {
  const what = `“${humanize(o.event)}”`;
  const where = o.filter && Object.keys(o.filter).length ? ` (${Object.entries(o.filter).map(([k, v]) => `${humanize(k)}: ${String(v)}`).join(', ')})` : '';
  if (o.mode === 'count') return `${what}${where} ${times(o.target)}`;
  if (o.mode === 'sum') return `${what}${where} adding up to ${o.target.toLocaleString('en-US')}`;
  return `${what}${where} on ${o.target} days in a row`;
}

export function itemsText(items: readonly RewardItem[]): string {
  return items.map((i) => `+${i.amount.toLocaleString('en-US')} ${i.currency}`).join(', ');
}

/** "+10 gold, +5 XP, the “racer” badge"; empty when it pays nothing. */
export function payText(r: { items: readonly RewardItem[]; xp: number; badge: string | null }): string {
  const parts = [itemsText(r.items), r.xp > 0 ? `+${r.xp.toLocaleString('en-US')} XP` : '', r.badge ? `the “${r.badge}” badge` : ''].filter(Boolean);
  return parts.join(', ');
}

function dateText(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString(undefined, { dateStyle: 'medium' });
}

/** Why a locked quest is locked, in the order a player can act on; null when it is not locked. */
export function lockText(v: Pick<QuestView, 'status' | 'lockedBy' | 'startsAt' | 'endsAt'>, now: number): string | null {
  if (v.status !== 'locked') return null;
  if (v.lockedBy.length) return `Unlocks when you complete ${v.lockedBy.map((q) => `“${q.name}”`).join(' and ')}.`;
  if (v.startsAt && Date.parse(v.startsAt) > now) return `Opens on ${dateText(v.startsAt)}.`;
  if (v.endsAt && Date.parse(v.endsAt) <= now) return `Ended on ${dateText(v.endsAt)}.`;
  return 'Not available right now.';
}

/** Completions, said only when they mean something: a small limit, or a quest done before. */
export function completionsText(v: Pick<QuestView, 'completions' | 'maxCompletions'>): string {
  if (v.maxCompletions !== null && v.maxCompletions <= 20) return `${v.completions} of ${v.maxCompletions} completions`;
  return v.completions > 0 ? `Completed ${times(v.completions)}` : '';
}

/** The bar's value: full when the period's or the quest's work is done, whatever the counter says. */
export function barValue(v: Pick<QuestView, 'status' | 'progress' | 'target'>): number {
  return v.status === 'completed' || v.status === 'maxed' ? v.target : Math.min(v.progress, v.target);
}

/** A streak's days as dates in the player's calendar: "Mon 7 Dec" for `2026-12-07`. */
export function dayText(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  const t = new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1));
  return t.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
}
