import { randomUUID } from 'node:crypto';
import type { RewardItem } from '@questline/contracts';
import type { UserDirectory } from '../clients/user-directory.js';
import { buildQuestView, viewContext, type QuestViewStatus } from '../domain/quest-view.js';
import type { IncomingEvent } from './apply-types.js';
import type { GroupCommitter } from './group-commit.use-case.js';
import { checkPlayer } from './require-player.use-case.js';

export interface PlayerEvent extends Pick<IncomingEvent, 'type' | 'value' | 'attributes'> {
  /** Idempotency key; a new uuid when absent. */
  id?: string;
}

/** The answer to POST /events: what this one event did. */
export interface RecordedEvent {
  eventId: string;
  duplicate: boolean;
  /** Every published quest listening to the event's type, as it stands right after the event. */
  updates: Array<{ questKey: string; status: QuestViewStatus; progress: number; target: number }>;
  completed: string[];
  rewarded: Array<{ questKey: string; items: RewardItem[] }>;
}

export interface RecordEventDeps {
  users: UserDirectory;
  singleEvents: GroupCommitter;
}

/**
 * A player's own event, happening now: stored and applied (through the group commit), answered with
 * its own effect, even when later events of the same user were committed with it.
 */
export async function recordPlayerEvent(
  deps: RecordEventDeps,
  userId: string,
  input: PlayerEvent,
  requestId?: string,
): Promise<{ kind: 'recorded'; event: RecordedEvent } | { kind: 'unknown-user' | 'banned' }> {
  const player = await checkPlayer(deps.users, userId, requestId);
  if (player.kind !== 'player') return { kind: player.kind };
  return { kind: 'recorded', event: await record(deps, userId, player.profile.timezone, input) };
}

/** Stores and applies the event in the player's timezone; answers with its own effect. */
async function record(deps: RecordEventDeps, userId: string, timezone: string, input: PlayerEvent): Promise<RecordedEvent> {
  const eventId = input.id ?? randomUUID();
  const now = new Date();
  const result = await deps.singleEvents.submit({
    userId,
    timezone,
    events: [{ id: eventId, type: input.type, value: input.value, attributes: input.attributes, occurredAt: now }],
  });
  const event = result.applied[0]!;
  const states = event.statesAfter ?? result.states;
  const view = viewContext(now, timezone, (key) => states.get(key)?.completions ?? 0);
  return {
    eventId,
    duplicate: event.duplicate,
    updates: event.results.map(({ quest }) => {
      const { status, progress, target } = buildQuestView(quest, states.get(quest.key) ?? null, view);
      return { questKey: quest.key, status, progress, target };
    }),
    completed: event.results.filter((r) => r.outcome.kind === 'completed').map((r) => r.quest.key),
    rewarded: event.rewarded,
  };
}
