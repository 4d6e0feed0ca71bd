import type { Balances, LedgerEntry, QuestView, User } from '../api/types.js';
import { itemsText } from './quest-text.js';

/**
 * The pure half of the live stream (api.md v1.2): what each event means for the quests page, which
 * toasts it raises, and when to reconnect. No DOM and no Preact here, so that
 * tests/web-units.test.ts can run it under Node.
 */
export type StreamEvent =
  | { type: 'snapshot'; user: User; quests: QuestView[] }
  | { type: 'quest'; view: QuestView }
  /** The whole list again (a Questline extension): a quest published or archived, a new timezone. */
  | { type: 'quests'; quests: QuestView[] }
  | { type: 'reward'; entry: LedgerEntry; balances: Balances }
  | { type: 'user'; user: User };

export const STREAM_EVENT_NAMES = ['snapshot', 'quest', 'quests', 'reward', 'user'] as const;

/** One named SSE event as a typed event; undefined for a name or a body the app does not know. */
export function parseStreamEvent(name: string, data: string): StreamEvent | undefined {
  let body: unknown;
  try {
    body = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  switch (name) {
    case 'snapshot': {
      // The snapshot carries GET /me/quests' items; a `{items}` wrapper is accepted too.
      const quests = Array.isArray(b.quests) ? b.quests : (b.quests as { items?: unknown } | undefined)?.items;
      if (!isUser(b.user) || !Array.isArray(quests)) return undefined;
      return { type: 'snapshot', user: b.user, quests: quests as QuestView[] };
    }
    case 'quest':
      return isQuestView(b) ? { type: 'quest', view: b } : undefined;
    case 'quests':
      return Array.isArray(b.quests) && b.quests.every(isQuestView) ? { type: 'quests', quests: b.quests } : undefined;
    case 'reward':
      if (!b.entry || typeof b.entry !== 'object' || !b.balances || typeof b.balances !== 'object') return undefined;
      return { type: 'reward', entry: b.entry as LedgerEntry, balances: b.balances as Balances };
    case 'user':
      return isUser(b) ? { type: 'user', user: b } : undefined;
    default:
      return undefined;
  }
}

function isUser(v: unknown): v is User {
  return !!v && typeof v === 'object' && typeof (v as User).id === 'string' && typeof (v as User).status === 'string';
}

function isQuestView(v: unknown): v is QuestView {
  return !!v && typeof v === 'object' && typeof (v as QuestView).quest?.key === 'string' && typeof (v as QuestView).status === 'string';
}

/** The list with one view replaced in place by quest key, or appended when the key is new. */
export function applyQuestView(list: readonly QuestView[], view: QuestView): QuestView[] {
  const i = list.findIndex((v) => v.quest.key === view.quest.key);
  if (i < 0) return [...list, view];
  const next = [...list];
  next[i] = view;
  return next;
}

/** The user after a `reward` event: the entry's balances are the newest the server knows. */
export function applyReward(user: User, balances: Balances): User {
  return { ...user, balances: { ...balances } };
}

export interface Toast {
  id: number;
  kind: 'quest' | 'reward';
  text: string;
  /** Rewards paid for the same completion merge into one toast ("+25 gold, +5 diamond"). */
  group?: string;
  items?: { currency: string; amount: number }[];
}

export type ToastSpec = Omit<Toast, 'id'>;

export function rewardText(items: { currency: string; amount: number }[]): string {
  return `Reward: ${itemsText(items)}`;
}

/**
 * The toasts one event raises, given the quests shown before it. A completion is a rise in
 * `completions` (a claim only moves claimable to completed, and must not count again); the
 * snapshot raises none (it is the state on (re)connecting, not news); a debit raises none.
 */
export function toastsFor(event: StreamEvent, before: readonly QuestView[] | undefined): ToastSpec[] {
  if (event.type === 'quest' || event.type === 'quests') {
    // A whole list (a catalog or timezone change) may carry a completion too.
    const views = event.type === 'quest' ? [event.view] : event.quests;
    return views.flatMap((view): ToastSpec[] => {
      const prev = before?.find((v) => v.quest.key === view.quest.key);
      if (!prev || view.completions <= prev.completions) return [];
      return [{ kind: 'quest', text: `Quest complete: ${view.quest.name}` }];
    });
  }
  if (event.type === 'reward' && event.entry.amount > 0) {
    const s = event.entry.source;
    const items = [{ currency: event.entry.currency, amount: event.entry.amount }];
    const group = s.questKey ? `${s.type}:${s.questKey}:${s.completion ?? ''}` : undefined;
    return [{ kind: 'reward', text: rewardText(items), items, ...(group ? { group } : {}) }];
  }
  return [];
}

export const MAX_TOASTS = 3;

/** The toasts shown after adding one: merged into a reward of the same group, the oldest dropped past the maximum. */
export function pushToast(toasts: readonly Toast[], spec: ToastSpec, id: number, max = MAX_TOASTS): Toast[] {
  if (spec.kind === 'reward' && spec.group) {
    const i = toasts.findIndex((t) => t.kind === 'reward' && t.group === spec.group);
    const same = toasts[i];
    if (same) {
      const items = [...(same.items ?? []), ...(spec.items ?? [])];
      const merged: Toast = { ...same, items, text: rewardText(items) };
      return toasts.map((t, j) => (j === i ? merged : t));
    }
  }
  return [...toasts, { ...spec, id }].slice(-max);
}

export const BACKOFF_FIRST_MS = 1000;
export const BACKOFF_MAX_MS = 30_000;

/**
 * How long to wait before reconnect attempt `attempt` (0-based): 1 s doubling to 30 s, each
 * scaled by a random factor in [0.5, 1) ("equal jitter") so that the clients a restart cut off do
 * not all come back in the same instant.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * The earliest future instant at which the list changes by itself (ms since epoch): a period's end,
 * or a scheduled quest opening or closing. No stream event marks those.
 */
export function nextPeriodEnd(views: readonly QuestView[], now: number): number | undefined {
  let next: number | undefined;
  for (const v of views) {
    for (const at of [v.periodEndsAt, v.startsAt, v.endsAt]) {
      const t = at ? Date.parse(at) : NaN;
      if (t > now && (next === undefined || t < next)) next = t;
    }
  }
  return next;
}
