import type { PublishedQuest } from '@questline/contracts';
import { evaluate, type Outcome, type QuestEvent } from '../domain/evaluate.js';
import { freshState, type QuestState } from '../domain/quest-state.js';
import { adoptVersion } from '../domain/quest-version.js';
import { questGrant } from '../domain/grant.js';
import { nextInPrerequisiteOrder } from '../domain/prerequisites.js';
import { replayQuest, sameState } from '../domain/replay.js';
import { latestOccurredAt, listEventsOfType } from '../db/events.repository.js';
import { completionTimes } from '../db/completions.repository.js';
import {
  eventKey,
  type AppliedEvent,
  type ApplyTransaction,
  type IncomingEvent,
  type QuestResult,
  type UserApplyResult,
  type UserEvents,
  type UserInTransaction,
} from './apply-types.js';
import { questCompletedMessage, wireMessage } from '../domain/webhook-messages.js';

/** Where an effect is reported: an event's answer, and its result for the quest concerned when it has one. */
interface Owner {
  applied: AppliedEvent;
  result: QuestResult | null;
}

/** A quest to replay once this list's events are in (or at the end of the event, when answers need it). */
interface Waiting {
  quest: PublishedQuest;
  /** The event that made the replay necessary; completions earned by older events are reported on it. */
  trigger: AppliedEvent;
  /** This list's events of the quest's type met while waiting: the replay decides what each did. */
  deferred: Array<{ eventId: string; applied: AppliedEvent; result: QuestResult }>;
  /** What a deferred event reports if the replay's window does not hold it. */
  placeholder: Outcome;
}

const isStale = (o: Outcome) => o.kind === 'ignored' && (o.reason === 'stale-day' || o.reason === 'stale-period');

function noteLatest(map: Map<string, Date>, key: string, at: Date) {
  const known = map.get(key);
  if (!known || at > known) map.set(key, at);
}

/**
 * Applies one user's list of events, in order. Events that arrive in time order are applied
 * incrementally. A late event (one a quest's state has already moved past) makes that quest wait
 * for a replay from history; the quest's later events of the list are left to that replay, which
 * runs once per quest after the list (after each event when per-event answers are needed) instead of
 * once per late event: a backfill of N old events costs one history read per quest, not N.
 */
class UserEventApplier {
  readonly result: UserApplyResult;
  private readonly waiting = new Map<string, Waiting>();
  private readonly firstCompletedAt = (key: string) => this.user.firstCompleted.get(key) ?? null;

  constructor(
    private readonly transaction: ApplyTransaction,
    private readonly user: UserInTransaction,
    private readonly timezone: string,
  ) {
    this.result = { userId: user.userId, applied: [], states: user.states, changedQuests: user.changedQuests, grants: 0, completedKeys: [], replays: [], replayedEvents: 0 };
  }

  async applyEvent(event: IncomingEvent, snapshots: boolean): Promise<void> {
    const { transaction, user } = this;
    if (transaction.refusedEvents.has(eventKey(user.userId, event.id))) {
      this.result.applied.push({ eventId: event.id, duplicate: false, refused: 'daily-limit', results: [], rewarded: [] });
      return;
    }
    if (!transaction.unappliedEvents.delete(eventKey(user.userId, event.id))) {
      this.result.applied.push({ eventId: event.id, duplicate: true, results: [], rewarded: [] });
      return;
    }
    const applied: AppliedEvent = { eventId: event.id, duplicate: false, results: [], rewarded: [] };
    this.result.applied.push(applied);
    const questEvent = { ...event, zone: this.timezone };
    for (const quest of transaction.catalog.byEvent.get(event.type) ?? []) {
      const result: QuestResult = { quest, outcome: { kind: 'progressed' } };
      applied.results.push(result);
      const waiting = this.waiting.get(quest.key);
      if (waiting) {
        // The quest is replayed from history anyway; the replay counts this event in its place.
        result.outcome = waiting.placeholder;
        waiting.deferred.push({ eventId: event.id, applied, result });
        continue;
      }
      await this.evaluateOne(quest, questEvent, applied, result);
    }
    noteLatest(user.latestAppliedAt, event.type, event.occurredAt);
    if (snapshots) {
      // This event's answer must show its own effect, replays included.
      await this.flush();
      applied.statesAfter = new Map(user.states);
    }
  }

  /** Runs the replays still waiting, prerequisites first (a replay may make dependents wait). */
  async flush(): Promise<void> {
    while (this.waiting.size > 0) {
      const key = nextInPrerequisiteOrder([...this.waiting.keys()], (k) => this.transaction.catalog.byKey.get(k)?.prerequisites ?? [])!;
      const waiting = this.waiting.get(key)!;
      this.waiting.delete(key);
      await this.replay(waiting);
    }
  }

  private async evaluateOne(quest: PublishedQuest, event: QuestEvent & IncomingEvent, applied: AppliedEvent, result: QuestResult): Promise<void> {
    const { transaction, user } = this;
    const found = user.states.get(quest.key);
    const stored = found ? adoptVersion(quest, found, transaction.now) : null;
    const { state, outcome } = evaluate({ quest, state: stored, event, timezone: this.timezone, firstCompletedAt: this.firstCompletedAt, now: transaction.now });
    result.outcome = outcome;
    if (outcome.kind === 'ignored') {
      if (outcome.reason === 'locked') noteLatest(user.latestLockedAt, quest.key, event.occurredAt);
      else if (isStale(outcome) && !(await this.isLatest(quest, stored, event))) {
        this.waiting.set(quest.key, { quest, trigger: applied, deferred: [{ eventId: event.id, applied, result }], placeholder: outcome });
      }
      return;
    }
    user.states.set(quest.key, state);
    user.changedQuests.add(quest.key);
    if (outcome.kind === 'completed') this.record(quest, [{ number: outcome.completion, completedAt: event.occurredAt, owner: { applied, result } }]);
  }

  /**
   * Whether a stale event is later than every other event its quest's counter has seen. Then a
   * replay, which applies events in time order, would meet it last, against the state it already
   * met, and ignore it again: the event is a no-op (a date that a move west repeats on a row stored
   * without its period's zone), not a late one.
   */
  private async isLatest(quest: PublishedQuest, stored: QuestState | null, event: IncomingEvent): Promise<boolean> {
    const { transaction, user } = this;
    const type = quest.objective.event;
    const since = stored?.countingSince ?? null;
    const cacheKey = `${type}\u0000${since?.getTime() ?? ''}`;
    let storedUntil = user.latestStoredAt.get(cacheKey);
    if (storedUntil === undefined) {
      storedUntil = await latestOccurredAt(transaction.db, user.userId, type, since, user.newEventIds);
      user.latestStoredAt.set(cacheKey, storedUntil);
    }
    const appliedUntil = user.latestAppliedAt.get(type);
    // With no other event in the window, the state's day or period predates the window (a counter
    // restarted by a new objective keeps its period): only a replay knows what the event does.
    if (storedUntil === null && appliedUntil === undefined) return false;
    // Strictly later: an event at the same instant as another may be ordered before it by a replay.
    return (storedUntil === null || event.occurredAt > storedUntil) && (appliedUntil === undefined || event.occurredAt > appliedUntil);
  }

  private async replay(waiting: Waiting): Promise<void> {
    const { transaction, user } = this;
    const { quest } = waiting;
    const found = user.states.get(quest.key);
    // No state yet: the counter starts now, as for a first counted event (this transaction's events only).
    const stored = found ? adoptVersion(quest, found, transaction.now) : freshState(quest, transaction.now);
    const all = await listEventsOfType(transaction.db, user.userId, quest.objective.event, stored.countingSince);
    const history = all.filter((e) => !transaction.unappliedEvents.has(eventKey(user.userId, e.id)));
    this.result.replays.push(quest.key);
    this.result.replayedEvents += all.length;
    const replay = replayQuest(quest, stored, history, this.timezone, this.firstCompletedAt, await this.recordedTimes(quest.key, stored));

    const indexOf = new Map(history.map((e, i) => [e.id, i]));
    const owners = new Map<number, Owner>();
    for (const d of waiting.deferred) {
      const i = indexOf.get(d.eventId);
      if (i === undefined) continue; // outside the counter's window: it keeps the placeholder
      const verdict = replay.verdicts[i]!;
      d.result.outcome = verdict;
      owners.set(i, { applied: d.applied, result: d.result });
      if (verdict.kind === 'ignored' && verdict.reason === 'locked') noteLatest(user.latestLockedAt, quest.key, history[i]!.occurredAt);
    }
    if (replay.newCompletions.length === 0 && sameState(replay.state, stored)) return; // nothing to change, nothing to write
    user.states.set(quest.key, replay.state);
    user.changedQuests.add(quest.key);

    // A completion earned by an older event (a late event filled a gap before it) is this replay's
    // effect: it is reported on the event that triggered the replay.
    const trigger: Owner = { applied: waiting.trigger, result: waiting.trigger.results.find((r) => r.quest.key === quest.key) ?? null };
    const earned = replay.newCompletions.map((c) => ({ number: c.number, completedAt: c.completedAt, owner: owners.get(c.index) ?? trigger }));
    const byTrigger = earned.filter((c) => c.owner === trigger).at(-1);
    if (byTrigger && trigger.result) trigger.result.outcome = { kind: 'completed', completion: byTrigger.number, autoClaimed: quest.autoClaim };
    this.record(quest, earned);
  }

  /** Instants of the completions recorded in the quest's counting window: stored ones and this transaction's. */
  private async recordedTimes(questKey: string, stored: QuestState): Promise<Date[]> {
    if (stored.completions <= stored.countingBase) return [];
    const { transaction, user } = this;
    const earlier = await completionTimes(transaction.db, user.userId, questKey, stored.countingBase);
    const now = transaction.completionsToInsert.filter((c) => c.userId === user.userId && c.questKey === questKey && c.number > stored.countingBase);
    return [...earlier, ...now.map((c) => c.completedAt)];
  }

  /** Records completions (and the grants of auto-claim quests) and reacts to a prerequisite completed earlier than known. */
  private record(quest: PublishedQuest, earned: Array<{ number: number; completedAt: Date; owner: Owner }>): void {
    const { transaction, user, result } = this;
    for (const c of earned) {
      result.completedKeys.push(quest.key);
      transaction.completionsToInsert.push({
        userId: user.userId,
        questKey: quest.key,
        number: c.number,
        questVersion: quest.version,
        reward: quest.reward,
        completedAt: c.completedAt,
        claimedAt: quest.autoClaim ? transaction.now : null,
      });
      const message = questCompletedMessage(user.userId, quest.key, c.number, c.completedAt, quest.autoClaim);
      // A completion that pays now sends its message with its grant; one that waits for a claim, alone.
      if (!quest.autoClaim) transaction.webhooksToQueue.push(message);
      else {
        transaction.grantsToQueue.push(questGrant(user.userId, quest.key, c.number, quest.reward, wireMessage(message)));
        c.owner.applied.rewarded.push({ questKey: quest.key, items: quest.reward.items });
        result.grants++;
      }
      const first = user.firstCompleted.get(quest.key);
      if (!first || c.completedAt < first) {
        user.firstCompleted.set(quest.key, c.completedAt);
        this.reconsiderDependents(quest.key, c.completedAt, c.owner.applied);
      }
    }
  }

  /**
   * A prerequisite's first completion moved earlier (or happened): a dependent's events after it
   * that were refused as `locked` now count. Those can only be in the dependent's counting window
   * (when the user has a state for it) or among this transaction's refused events; the dependent is
   * replayed when either may hold one.
   */
  private reconsiderDependents(key: string, completedAt: Date, trigger: AppliedEvent): void {
    for (const dependent of this.transaction.catalog.dependents.get(key) ?? []) {
      if (dependent.key === key || this.waiting.has(dependent.key)) continue;
      const refusedUntil = this.user.latestLockedAt.get(dependent.key);
      if (!this.user.states.has(dependent.key) && !(refusedUntil && refusedUntil > completedAt)) continue;
      this.waiting.set(dependent.key, { quest: dependent, trigger, deferred: [], placeholder: { kind: 'ignored', reason: 'locked' } });
    }
  }
}

/** Applies one user's list of events in order (see UserEventApplier); replays still waiting run at the end of the list. */
export async function applyUserEvents(
  transaction: ApplyTransaction,
  user: UserInTransaction,
  list: UserEvents,
  snapshots: boolean,
): Promise<UserApplyResult> {
  const applier = new UserEventApplier(transaction, user, list.timezone);
  for (const event of list.events) await applier.applyEvent(event, snapshots);
  await applier.flush();
  return applier.result;
}
