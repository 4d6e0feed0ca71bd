import type { Kysely } from 'kysely';
import type { PublishedQuest, RewardItem } from '@questline/contracts';
import { AppError } from '@questline/platform';
import type { ProgressDatabase } from '../db/schema.js';
import type { CatalogCache, CatalogSnapshot } from '../clients/catalog-cache.js';
import { evaluate, type AttributeValue, type Outcome, type QuestState } from '../domain/evaluate.js';
import { questGrant } from '../domain/grant.js';
import { insertEvent, listEventsOfType } from '../db/events.repository.js';
import { replayQuest } from '../domain/replay.js';
import { listStates, lockUser, upsertStates } from '../db/user-quests.repository.js';
import { insertCompletion } from '../db/completions.repository.js';
import { enqueueGrant } from '../db/outbox.repository.js';
import type { ProgressCounters } from '../progress-metrics.js';

export interface IncomingEvent {
  id: string;
  type: string;
  value?: number;
  attributes?: Record<string, AttributeValue>;
  occurredAt: Date;
}

export interface QuestResult {
  quest: PublishedQuest;
  outcome: Outcome;
}

export interface AppliedEvent {
  eventId: string;
  duplicate: boolean;
  /** Every published quest whose objective listens to the event's type. */
  results: QuestResult[];
  rewarded: Array<{ questKey: string; items: RewardItem[] }>;
}

export interface UserIngestResult {
  applied: AppliedEvent[];
  /** The user's quest states after the last event. */
  states: Map<string, QuestState>;
  catalog: CatalogSnapshot;
}

export interface IngestDeps {
  db: Kysely<ProgressDatabase>;
  catalog: CatalogCache;
  counters: ProgressCounters;
  /** Called after a commit that queued grants. */
  onGrantsQueued: () => void;
}

/** Events are refused until a first catalog copy exists: applying them against no quests would lose progress. */
export function requireCatalog(catalog: CatalogCache): CatalogSnapshot {
  const snapshot = catalog.snapshot;
  if (!snapshot) throw new AppError(503, 'CATALOG_UNAVAILABLE', 'quest catalog not loaded yet; retry shortly');
  return snapshot;
}

/**
 * Applies one user's events, in the given order, in one transaction. The per-user lock makes
 * concurrent requests for the same user queue up instead of losing updates; the event insert's
 * conflict makes a repeated id a no-op; completions, claims of auto-claim quests and their
 * grant outbox rows commit together with the progress that earned them.
 *
 * A late event (older than the day or period a quest's state has reached) triggers a replay of
 * that quest from the user's history in time order, so streaks and daily counts come out as if it
 * had arrived on time; completions already earned are never taken back (domain/replay.ts).
 */
export async function ingestForUser(deps: IngestDeps, userId: string, timezone: string, events: IncomingEvent[]): Promise<UserIngestResult> {
  const catalog = requireCatalog(deps.catalog);
  const now = new Date();
  let grants = 0;
  const completedKeys: string[] = [];

  const result = await deps.db.transaction().execute(async (trx) => {
    await lockUser(trx, userId);
    const states = await listStates(trx, userId);
    const dirty = new Set<string>();
    const applied: AppliedEvent[] = [];

    for (const event of events) {
      const inserted = await insertEvent(trx, {
        userId,
        id: event.id,
        type: event.type,
        value: event.value ?? null,
        attributes: event.attributes ?? {},
        occurredAt: event.occurredAt,
      });
      if (!inserted) {
        applied.push({ eventId: event.id, duplicate: true, results: [], rewarded: [] });
        continue;
      }
      // Prerequisites are judged on the state before this event, so the result does not
      // depend on the order in which quests are evaluated.
      const before = new Map([...states].map(([key, s]) => [key, s.completions]));
      const completionsOf = (key: string) => before.get(key) ?? 0;
      const results: QuestResult[] = [];
      const rewarded: AppliedEvent['rewarded'] = [];

      for (const quest of catalog.byEvent.get(event.type) ?? []) {
        const stored = states.get(quest.key) ?? null;
        let { state, outcome } = evaluate({ quest, state: stored, event, timezone, completionsOf });
        let earned: Array<{ number: number; completedAt: Date }> = [];
        if (outcome.kind === 'ignored' && (outcome.reason === 'stale-day' || outcome.reason === 'stale-period')) {
          // A late event: recompute this quest from the user's history in time order.
          const history = await listEventsOfType(trx, userId, quest.objective.event);
          const replay = replayQuest(quest, stored, history, timezone, completionsOf);
          state = replay.state;
          earned = replay.newCompletions;
          const last = earned.at(-1);
          outcome = last ? { kind: 'completed', completion: last.number, autoClaimed: quest.autoClaim } : { kind: 'progressed' };
        } else if (outcome.kind === 'completed') {
          earned = [{ number: outcome.completion, completedAt: event.occurredAt }];
        }
        results.push({ quest, outcome });
        if (outcome.kind === 'ignored') continue;
        states.set(quest.key, state);
        dirty.add(quest.key);

        for (const completion of earned) {
          completedKeys.push(quest.key);
          await insertCompletion(trx, {
            userId,
            questKey: quest.key,
            number: completion.number,
            questVersion: quest.version,
            reward: quest.reward,
            completedAt: completion.completedAt,
            claimedAt: quest.autoClaim ? now : null,
          });
          if (quest.autoClaim) {
            await enqueueGrant(trx, questGrant(userId, quest.key, completion.number, quest.reward));
            rewarded.push({ questKey: quest.key, items: quest.reward.items });
            grants++;
          }
        }
      }
      applied.push({ eventId: event.id, duplicate: false, results, rewarded });
    }

    await upsertStates(trx, userId, [...dirty].map((key) => [key, states.get(key)!] as [string, QuestState]));
    return { applied, states, catalog };
  });

  const accepted = result.applied.filter((a) => !a.duplicate).length;
  if (accepted > 0) deps.counters.eventsIngested.inc(accepted);
  for (const key of completedKeys) deps.counters.questsCompleted.inc({ quest: key });
  if (grants > 0) deps.onGrantsQueued();
  return result;
}
