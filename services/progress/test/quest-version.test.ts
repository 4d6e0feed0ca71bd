import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PublishedQuest } from '@questline/contracts';
import { evaluate, type Outcome, type QuestEvent } from '../src/domain/evaluate.js';
import { freshState, objectiveFingerprint, type QuestState } from '../src/domain/quest-state.js';
import { adoptVersion } from '../src/domain/quest-version.js';
import { replayQuest } from '../src/domain/replay.js';
import { buildQuestView, viewContext } from '../src/domain/quest-view.js';
import { quest } from './support/quests.js';

const T0 = new Date('2026-03-01T00:00:00Z');
const T1 = new Date('2026-03-05T00:00:00Z');
const v1 = quest({ key: 'q', version: 1, objective: { event: 'click', mode: 'count', target: 10 }, maxCompletions: 5 });

type EventOpts = { type?: string; attributes?: QuestEvent['attributes']; value?: number };

function feed(q: PublishedQuest, state: QuestState | null, ats: string[], opts: EventOpts & { now?: Date } = {}) {
  const outcomes: Outcome[] = [];
  for (const at of ats) {
    const event: QuestEvent = { type: opts.type ?? q.objective.event, occurredAt: new Date(at), attributes: opts.attributes, value: opts.value };
    const r = evaluate({ quest: q, state, event, timezone: 'UTC', firstCompletedAt: () => null, now: opts.now ?? T1 });
    state = r.state;
    outcomes.push(r.outcome);
  }
  return { state: state!, outcomes };
}
const clicksAt = (n: number, day = '2026-03-02') => Array.from({ length: n }, (_, i) => `${day}T10:${String(i).padStart(2, '0')}:00Z`);

describe('a new quest version never rewrites earned progress', () => {
  test('same objective, lowered target: progress is kept and the quest completes on the next event, not before', () => {
    const { state: before } = feed(v1, null, clicksAt(7), { now: T0 });
    assert.equal(before.progress, 7);
    const v2 = { ...v1, version: 2, objective: { ...v1.objective, target: 3 } };
    // Looking at it does not complete it (no retroactive completion) …
    const view = buildQuestView(v2, before, viewContext(T1, 'UTC', () => 0));
    assert.deepEqual([view.progress, view.target, view.completions, view.status], [7, 3, 0, 'active']);
    // … the next matching event does, once.
    const { state, outcomes } = feed(v2, before, ['2026-03-03T10:00:00Z', '2026-03-03T10:01:00Z']);
    assert.deepEqual(outcomes.map((o) => o.kind), ['completed', 'progressed']);
    assert.deepEqual([state.completions, state.progress, state.questVersion], [1, 1, 2]);
  });

  test('same objective, raised target: progress is kept and counts toward the new target', () => {
    const { state: before } = feed(v1, null, clicksAt(7), { now: T0 });
    const v2 = { ...v1, version: 2, objective: { ...v1.objective, target: 20 } };
    const { state, outcomes } = feed(v2, before, clicksAt(3, '2026-03-03'));
    assert.deepEqual(outcomes.map((o) => o.kind), ['progressed', 'progressed', 'progressed']);
    assert.equal(state.progress, 10);
  });

  test('a streak keeps its days when only the target changes', () => {
    const s1 = quest({ key: 's', version: 1, objective: { event: 'login', mode: 'streak', target: 7 } });
    const { state: before } = feed(s1, null, ['2026-03-01T10:00:00Z', '2026-03-02T10:00:00Z', '2026-03-03T10:00:00Z', '2026-03-04T10:00:00Z']);
    const s2 = { ...s1, version: 2, objective: { ...s1.objective, target: 3 } };
    const { state, outcomes } = feed(s2, before, ['2026-03-04T20:00:00Z', '2026-03-05T10:00:00Z']);
    assert.deepEqual(outcomes.map((o) => (o.kind === 'ignored' ? o.reason : o.kind)), ['same-day', 'completed']);
    assert.equal(state.completions, 1);
  });

  const changes: Array<[string, Partial<PublishedQuest['objective']>, EventOpts, number]> = [
    ['event', { event: 'tap' }, { type: 'tap' }, 1],
    ['mode', { mode: 'sum' }, { value: 2 }, 2],
    ['filter', { filter: { level: 2 } }, { attributes: { level: 2 } }, 1],
  ];
  for (const [what, objective, eventOpts, progressAfter] of changes) {
    test(`a changed ${what}: completions stay, the counter restarts from zero for the new version`, () => {
      const { state: before } = feed(v1, null, [...clicksAt(10), ...clicksAt(4, '2026-03-03')], { now: T0 });
      assert.deepEqual([before.completions, before.progress], [1, 4]);
      const v2 = { ...v1, version: 2, objective: { ...v1.objective, ...objective } };
      const adopted = adoptVersion(v2, before, T1);
      assert.deepEqual(
        [adopted.completions, adopted.claimed, adopted.progress, adopted.questVersion, adopted.countingSince, adopted.countingBase],
        [1, 0, 0, 2, T1, 1],
      );
      const view = buildQuestView(v2, before, viewContext(T1, 'UTC', () => 0));
      assert.deepEqual([view.progress, view.completions, view.claimable], [0, 1, 1]);
      const { state } = feed(v2, before, ['2026-03-04T10:00:00Z'], { ...eventOpts, now: T1 });
      assert.deepEqual([state.progress, state.completions, state.questVersion], [progressAfter, 1, 2]);
    });
  }

  test('the signature ignores the target and the order of filter keys', () => {
    assert.equal(objectiveFingerprint({ event: 'e', mode: 'count', filter: { a: 1, b: 'x' } }), objectiveFingerprint({ event: 'e', mode: 'count', filter: { b: 'x', a: 1 } }));
    assert.notEqual(objectiveFingerprint({ event: 'e', mode: 'count' }), objectiveFingerprint({ event: 'e', mode: 'count', filter: { a: 1 } }));
  });

  test('maxCompletions lowered below the completions: maxed, never negative', () => {
    const claimedAll: QuestState = { ...freshState(v1, T0), completions: 4, claimed: 4 };
    const v2 = { ...v1, version: 2, maxCompletions: 2 };
    const { state, outcomes } = feed(v2, claimedAll, ['2026-03-04T10:00:00Z']);
    assert.deepEqual(outcomes, [{ kind: 'ignored', reason: 'maxed' }]);
    assert.equal(state.completions, 4);
    const view = buildQuestView(v2, claimedAll, viewContext(T1, 'UTC', () => 0));
    assert.deepEqual([view.status, view.completions, view.maxCompletions, view.claimable], ['maxed', 4, 2, 0]);
    const unclaimed = buildQuestView(v2, { ...claimedAll, claimed: 3 }, viewContext(T1, 'UTC', () => 0));
    assert.deepEqual([unclaimed.status, unclaimed.claimable], ['claimable', 1], 'earned completions stay claimable');
  });

  test('a replica with an older catalog copy does not undo a newer version', () => {
    const v2 = { ...v1, version: 2, objective: { ...v1.objective, event: 'tap' } };
    const onV2: QuestState = adoptVersion(v2, { ...freshState(v1, T0), progress: 3 }, T1);
    assert.deepEqual(adoptVersion(v1, { ...onV2, progress: 2 }, T1), { ...onV2, progress: 2 });
  });

  test('rows stored before signatures existed are taken to count the current objective', () => {
    const legacy: QuestState = { ...freshState(v1, null), objectiveFingerprint: null, progress: 5 };
    const v2 = { ...v1, version: 2, objective: { ...v1.objective, event: 'tap' } };
    const adopted = adoptVersion(v2, legacy, T1);
    assert.deepEqual([adopted.progress, adopted.objectiveFingerprint], [5, objectiveFingerprint(v2.objective)]);
  });

  test('a replay after an objective change starts from the completions before it and numbers on', () => {
    const before: QuestState = { ...freshState(v1, T0), completions: 3, claimed: 3 };
    const v2 = { ...v1, version: 2, autoClaim: true, objective: { event: 'tap', mode: 'count' as const, target: 2 } };
    const adopted = adoptVersion(v2, before, T1);
    const history: QuestEvent[] = ['2026-03-06T10:00:00Z', '2026-03-05T10:00:00Z'].map((at) => ({ type: 'tap', occurredAt: new Date(at) }));
    const replay = replayQuest(v2, adopted, history.reverse(), 'UTC', () => null);
    assert.deepEqual(replay.newCompletions.map((c) => c.number), [4]);
    assert.deepEqual([replay.state.completions, replay.state.claimed, replay.state.progress], [4, 4, 0]);
  });
});
