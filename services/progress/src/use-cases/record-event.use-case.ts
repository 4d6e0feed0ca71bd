import { randomUUID } from 'node:crypto';
import type { RewardItem } from '@questline/contracts';
import { requireCatalog, type CatalogCache } from '../clients/catalog-cache.js';
import type { UserDirectory } from '../clients/user-directory.js';
import type { StoredProfile } from '../db/profiles.repository.js';
import { judgePlayerEvent, secondsUntil, type DailyLimit } from '../domain/event-trust.js';
import { buildQuestView, viewContext, type QuestViewStatus } from '../domain/quest-view.js';
import type { IncomingEvent } from './apply-types.js';
import type { GroupCommitter } from './group-commit.use-case.js';
import { checkPlayer } from './require-player.use-case.js';

export interface PlayerEvent extends Pick<IncomingEvent, 'type' | 'value' | 'attributes'> {
  /** Idempotency key; a new uuid when absent. */
  id?: string;
}

/** POST /events as any caller sends it: a server names the user (exactly one of userId / externalUserId). */
export interface EventInput extends PlayerEvent {
  userId?: string;
  externalUserId?: string;
  /** The timezone of a user created for an unknown externalUserId. */
  timezone?: string;
}

/** Who sent it: an access token (its account's stored role decides player or server), or an API key with events:write. */
export type EventSender = { kind: 'token'; userId: string } | { kind: 'key' };

/** The answer to POST /events: what this one event did. */
export interface RecordedEvent {
  eventId: string;
  duplicate: boolean;
  /** Every published quest listening to the event's type, as it stands right after the event. */
  updates: Array<{ questKey: string; status: QuestViewStatus; progress: number; target: number }>;
  completed: string[];
  rewarded: Array<{ questKey: string; items: RewardItem[] }>;
}

export type RecordOutcome =
  | { kind: 'recorded'; event: RecordedEvent }
  /** The token's own account: unknown to auth, or banned. */
  | { kind: 'unknown-user' | 'banned' }
  /** The user a server named: no such user, or banned. */
  | { kind: 'unknown-target' | 'banned-target' }
  | { kind: 'invalid'; field: string; message: string }
  | { kind: 'not-reportable' }
  | { kind: 'value-too-large'; maxValue: number }
  | { kind: 'rate-limited'; retryAfterSeconds: number; resetsAt: Date };

export interface RecordEventDeps {
  users: UserDirectory;
  catalog: CatalogCache;
  singleEvents: GroupCommitter;
}

const invalid = (field: string, message: string): RecordOutcome => ({ kind: 'invalid', field, message });

/**
 * One event, happening now, stored and applied through the group commit and answered with its own
 * effect. A player (a player's token, judged by their stored role) reports only for themselves and
 * only what api.md v1.1 lets players report: declared player-reportable types, values up to
 * maxValue, at most playerDailyLimit a day in their timezone. A server (an API key with
 * events:write, or an admin's token) names the user and may send any type; an admin's token
 * naming nobody records for the admin (v1).
 */
export async function recordEvent(deps: RecordEventDeps, sender: EventSender, input: EventInput, requestId?: string): Promise<RecordOutcome> {
  const names = (input.userId !== undefined ? 1 : 0) + (input.externalUserId !== undefined ? 1 : 0);
  if (names > 1) return invalid('externalUserId', 'name the user with exactly one of userId or externalUserId, not both');
  if (input.userId !== undefined && input.timezone !== undefined) {
    return invalid('timezone', 'timezone is only used for a user created by externalUserId; change a known user’s timezone with PUT /api/v1/users/external/{externalId} or PATCH /api/v1/admin/users/{userId}');
  }

  if (sender.kind === 'token') {
    const caller = await checkPlayer(deps.users, sender.userId, requestId);
    if (caller.kind !== 'player') return { kind: caller.kind };
    if (caller.profile.role !== 'admin') {
      const field = input.userId !== undefined ? 'userId' : input.externalUserId !== undefined ? 'externalUserId' : input.timezone !== undefined ? 'timezone' : null;
      if (field) return invalid(field, `${field} is for servers (an API key with events:write, or an admin); a player's event is always their own`);
      return recordForPlayer(deps, caller.profile, input);
    }
    if (names === 0) {
      if (input.timezone !== undefined) return invalid('timezone', 'timezone is only used for a user created by externalUserId');
      return store(deps, caller.profile, input, null);
    }
  } else if (names === 0) {
    return invalid('userId', 'an API key must name the user: exactly one of userId or externalUserId');
  }

  const target = await findTarget(deps, input, requestId);
  if (!target) return { kind: 'unknown-target' };
  if (target.status === 'banned') return { kind: 'banned-target' };
  return store(deps, target, input, null);
}

async function findTarget(deps: RecordEventDeps, input: EventInput, requestId?: string): Promise<StoredProfile | null> {
  if (input.userId !== undefined) return deps.users.get(input.userId, requestId);
  const externalId = input.externalUserId!;
  const resolved = await deps.users.resolveExternal([{ externalId, ...(input.timezone !== undefined ? { timezone: input.timezone } : {}) }], requestId);
  return resolved.get(externalId) ?? null;
}

async function recordForPlayer(deps: RecordEventDeps, player: StoredProfile, input: EventInput): Promise<RecordOutcome> {
  const now = new Date();
  const rule = requireCatalog(deps.catalog).eventTypes.get(input.type);
  const verdict = judgePlayerEvent(rule, input, now, player.timezone);
  if (verdict.kind === 'not-reportable') return verdict;
  if (verdict.kind === 'value-too-large') return verdict;
  return store(deps, player, input, verdict.dailyLimit, now);
}

/**
 * Stores and applies the event in the user's timezone; answers with its own effect, or rate-limited
 * (nothing stored) when a player's daily limit for the type was reached.
 */
async function store(deps: RecordEventDeps, user: StoredProfile, input: PlayerEvent, dailyLimit: DailyLimit | null, now = new Date()): Promise<RecordOutcome> {
  const eventId = input.id ?? randomUUID();
  const { id: userId, timezone } = user;
  const result = await deps.singleEvents.submit({
    userId,
    timezone,
    events: [
      {
        id: eventId,
        type: input.type,
        value: input.value,
        attributes: input.attributes,
        occurredAt: now,
        ...(dailyLimit ? { dailyLimit: { day: dailyLimit.day, limit: dailyLimit.limit } } : {}),
      },
    ],
  });
  const event = result.applied[0]!;
  if (event.refused && dailyLimit) return { kind: 'rate-limited', resetsAt: dailyLimit.resetsAt, retryAfterSeconds: secondsUntil(dailyLimit.resetsAt, new Date()) };
  const states = event.statesAfter ?? result.states;
  const view = viewContext(now, timezone, (key) => states.get(key)?.completions ?? 0);
  const recorded: RecordedEvent = {
    eventId,
    duplicate: event.duplicate,
    updates: event.results.map(({ quest }) => {
      const { status, progress, target } = buildQuestView(quest, states.get(quest.key) ?? null, view);
      return { questKey: quest.key, status, progress, target };
    }),
    completed: event.results.filter((r) => r.outcome.kind === 'completed').map((r) => r.quest.key),
    rewarded: event.rewarded,
  };
  return { kind: 'recorded', event: recorded };
}
