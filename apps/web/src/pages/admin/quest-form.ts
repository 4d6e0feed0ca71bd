import type { Objective, ObjectiveMode, Quest, Repeat } from '../../api/types.js';

/** The quest editor's state: every control as the text the admin typed. */
export interface QuestFormValues {
  key: string;
  name: string;
  description: string;
  tags: string;
  event: string;
  mode: ObjectiveMode;
  target: string;
  filter: string;
  rewardId: string;
  autoClaim: boolean;
  maxCompletions: string;
  repeat: Repeat;
  startsAt: string;
  endsAt: string;
  prerequisites: string;
}

export const emptyQuestForm: QuestFormValues = {
  key: '',
  name: '',
  description: '',
  tags: '',
  event: '',
  mode: 'count',
  target: '1',
  filter: '',
  rewardId: '',
  autoClaim: false,
  maxCompletions: '',
  repeat: 'none',
  startsAt: '',
  endsAt: '',
  prerequisites: '',
};

/** `2026-07-01T10:00:00Z` → the `datetime-local` value in the browser's timezone. */
function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const local = new Date(d.getTime() - d.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export function formFromQuest(q: Quest): QuestFormValues {
  return {
    key: q.key,
    name: q.name,
    description: q.description,
    tags: q.tags.join(', '),
    event: q.objective.event,
    mode: q.objective.mode,
    target: String(q.objective.target),
    filter: Object.entries(q.objective.filter ?? {})
      .map(([k, v]) => `${k}=${String(v)}`)
      .join('\n'),
    rewardId: q.rewardId,
    autoClaim: q.autoClaim,
    maxCompletions: q.maxCompletions === null ? '' : String(q.maxCompletions),
    repeat: q.repeat,
    startsAt: toLocalInput(q.startsAt),
    endsAt: toLocalInput(q.endsAt),
    prerequisites: q.prerequisites.join(', '),
  };
}

const list = (s: string) =>
  s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

/**
 * Numbers are sent as numbers when they look like one, and as typed otherwise, so that the API's
 * own validation names the problem; an empty required number is left out (the API says "required").
 */
function numberOrRaw(s: string): number | string | undefined {
  const t = s.trim();
  if (t === '') return undefined;
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

function instant(s: string): string | null {
  if (!s) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : d.toISOString();
}

function filterValue(v: string): string | number | boolean {
  if (v === 'true' || v === 'false') return v === 'true';
  return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
}

/** What the form says when no reward was picked (the API's own words are "required"). */
export const NO_REWARD_PICKED = 'Choose the reward this quest pays.';

export type BuildResult = { ok: true; body: Record<string, unknown> } | { ok: false; field: string; message: string };

export function buildQuestBody(v: QuestFormValues, includeKey: boolean): BuildResult {
  let filter: Objective['filter'] | undefined;
  const lines = v.filter.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length) {
    filter = {};
    for (const line of lines) {
      const at = line.indexOf('=');
      if (at <= 0) return { ok: false, field: 'objective.filter', message: `“${line}” is not attribute=value` };
      filter[line.slice(0, at).trim()] = filterValue(line.slice(at + 1).trim());
    }
  }
  const objective: Record<string, unknown> = { event: v.event.trim(), mode: v.mode };
  const target = numberOrRaw(v.target);
  if (target !== undefined) objective.target = target;
  if (filter) objective.filter = filter;
  const body: Record<string, unknown> = {
    name: v.name,
    description: v.description,
    tags: list(v.tags),
    objective,
    autoClaim: v.autoClaim,
    maxCompletions: v.maxCompletions.trim() === '' ? null : numberOrRaw(v.maxCompletions),
    repeat: v.repeat,
    startsAt: instant(v.startsAt),
    endsAt: instant(v.endsAt),
    prerequisites: list(v.prerequisites),
  };
  // No reward picked: the body goes without one, which the API always refuses, so that its answer
  // names every other wrong field at the same time (the page words this one as NO_REWARD_PICKED).
  if (v.rewardId) body.rewardId = v.rewardId;
  if (includeKey) body.key = v.key.trim();
  return { ok: true, body };
}

/** The form fields, by the API's names; an API `error.field` maps to the longest matching one. */
export const questFields = [
  'key',
  'name',
  'description',
  'tags',
  'objective.event',
  'objective.mode',
  'objective.target',
  'objective.filter',
  'rewardId',
  'autoClaim',
  'maxCompletions',
  'repeat',
  'startsAt',
  'endsAt',
  'prerequisites',
] as const;

export function formFieldOf(apiField: string): string | null {
  const parts = apiField.replace(/^body\.?/, '').split('.');
  for (let n = parts.length; n > 0; n--) {
    const candidate = parts.slice(0, n).join('.');
    if ((questFields as readonly string[]).includes(candidate)) return candidate;
    if (candidate === 'objective') return 'objective.event';
  }
  return null;
}
