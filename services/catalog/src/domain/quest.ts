import type { Objective, Repeat } from '@questline/contracts';
import { canonicalJson } from './text.js';
import { failure, invalid, success, type Outcome } from './outcome.js';

export type QuestStatus = 'draft' | 'published' | 'archived';

export const QUEST_KEY_PATTERN = '^[a-z0-9]+(-[a-z0-9]+)*$';
const QUEST_KEY = new RegExp(QUEST_KEY_PATTERN);
export const MAX_FILTER_ATTRIBUTES = 32;
const DAYS_PER_WEEK = 7;

export function isQuestKey(value: string): boolean {
  return value.length <= 64 && QUEST_KEY.test(value);
}

/** The body of POST/PUT /admin/quests, after schema validation (optional fields may be absent). */
export interface QuestDefinitionInput {
  key?: string;
  name: string;
  description?: string;
  tags?: string[];
  objective: Objective;
  rewardId: string;
  autoClaim?: boolean;
  maxCompletions?: number | null;
  repeat?: Repeat;
  startsAt?: string | null;
  endsAt?: string | null;
  prerequisites?: string[];
}

/** Everything an admin defines about a quest; the catalog owns id, status, version and timestamps. */
export interface QuestDefinition {
  key: string;
  name: string;
  description: string;
  tags: string[];
  objective: Objective;
  rewardId: string;
  autoClaim: boolean;
  maxCompletions: number | null;
  repeat: Repeat;
  startsAt: string | null;
  endsAt: string | null;
  prerequisites: string[];
}

export interface Quest extends QuestDefinition {
  id: string;
  status: QuestStatus;
  version: number;
  createdAt: string;
  updatedAt: string;
}

// Earliest and latest instants PostgreSQL and JS agree on without surprises (no year 0, no overflow).
const MIN_INSTANT = Date.parse('1970-01-01T00:00:00Z');
const MAX_INSTANT = Date.parse('9999-12-31T23:59:59Z');

/** An RFC 3339 instant as a UTC string; undefined when it is not a usable instant (e.g. a leap second). */
function toUtc(value: string): string | undefined {
  const ms = Date.parse(value);
  return Number.isNaN(ms) || ms < MIN_INSTANT || ms > MAX_INSTANT ? undefined : new Date(ms).toISOString();
}

/**
 * Applies the documented defaults (PUT is a full replacement, so absent fields reset to them)
 * and the rules between fields that a JSON schema cannot express.
 */
export function buildDefinition(key: string, input: QuestDefinitionInput): Outcome<QuestDefinition> {
  if (!isQuestKey(key)) return invalid('key', `key must match ${QUEST_KEY_PATTERN} (at most 64 characters)`);
  const schedule: { startsAt: string | null; endsAt: string | null } = { startsAt: null, endsAt: null };
  for (const field of ['startsAt', 'endsAt'] as const) {
    const raw = input[field];
    if (raw == null) continue;
    const utc = toUtc(raw);
    if (!utc) return invalid(field, `${field} must be an instant between 1970 and 9999`);
    schedule[field] = utc;
  }
  if (schedule.startsAt && schedule.endsAt && schedule.endsAt <= schedule.startsAt) {
    return invalid('endsAt', 'endsAt must be after startsAt');
  }
  const repeat = input.repeat ?? 'none';
  const { objective } = input;
  if (objective.filter && Object.keys(objective.filter).length > MAX_FILTER_ATTRIBUTES) {
    return invalid('objective.filter', `objective.filter may have at most ${MAX_FILTER_ATTRIBUTES} attributes`);
  }
  if (objective.mode === 'streak') {
    // A streak spans several days; a daily reset would wipe it every day, so it could never finish.
    if (repeat === 'daily') return invalid('repeat', 'a streak objective cannot repeat daily');
    if (repeat === 'weekly' && objective.target > DAYS_PER_WEEK) {
      return invalid('repeat', `a weekly streak cannot need more than ${DAYS_PER_WEEK} days`);
    }
  }
  return success({
    key,
    name: input.name,
    description: input.description ?? '',
    tags: input.tags ?? [],
    objective,
    rewardId: input.rewardId,
    autoClaim: input.autoClaim ?? false,
    maxCompletions: input.maxCompletions ?? null,
    repeat,
    ...schedule,
    prerequisites: input.prerequisites ?? [],
  });
}

/**
 * Prerequisites must name existing quests (of any status) and must not form a cycle.
 * `graph` holds every quest's prerequisites as stored; the quest being written is replaced.
 */
export function checkPrerequisites(key: string, prerequisites: string[], graph: ReadonlyMap<string, readonly string[]>): Outcome<true> {
  const unknown = prerequisites.filter((p) => p !== key && !graph.has(p));
  if (unknown.length) {
    return failure('UNKNOWN_PREREQUISITE', `unknown prerequisite quest(s): ${unknown.join(', ')}`, 'prerequisites');
  }
  const edges = (k: string) => (k === key ? prerequisites : graph.get(k) ?? []);
  // A cycle through the new edges exists exactly when `key` is reachable from its own prerequisites.
  const seen = new Set<string>();
  const stack = [...prerequisites];
  while (stack.length) {
    const current = stack.pop() as string;
    if (current === key) {
      return failure('PREREQUISITE_CYCLE', `prerequisites of ${key} would lead back to ${key}`, 'prerequisites');
    }
    if (seen.has(current)) continue;
    seen.add(current);
    stack.push(...edges(current));
  }
  return success(true);
}

/** Compares definitions by value (jsonb read back has its own key order). */
export function definitionChanged(current: QuestDefinition, next: QuestDefinition): boolean {
  return canonicalJson(current) !== canonicalJson(next);
}

/**
 * A quest that players may have seen (published, or archived after being published) gets a new
 * version on every real change, so progress can tell definitions apart. Drafts were never
 * visible, so they stay at version 1.
 */
export function versionAfterEdit(quest: Quest, changed: boolean): number {
  return changed && quest.status !== 'draft' ? quest.version + 1 : quest.version;
}

export type Transition = 'publish' | 'archive';

/** Where a status change leads; `changed: false` means the request is a no-op (idempotent). */
export function transition(status: QuestStatus, action: Transition): { status: QuestStatus; changed: boolean } {
  const target: QuestStatus = action === 'publish' ? 'published' : 'archived';
  return { status: target, changed: status !== target };
}

export function definitionOf(quest: Quest): QuestDefinition {
  const { id: _id, status: _s, version: _v, createdAt: _c, updatedAt: _u, ...def } = quest;
  return def;
}
