import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, type QuestEvent } from '../src/domain/evaluate.js';
import type { QuestState } from '../src/domain/quest-state.js';
import { replayQuest } from '../src/domain/replay.js';
import { dailyLogin, quest, signInThreeTimes } from './support/quests.js';

const login = (iso: string): QuestEvent => ({ type: 'login', occurredAt: new Date(iso) });
// Prerequisites' first completions: none (these quests have no prerequisites).
const never = () => null;

function fold(quest: typeof signInThreeTimes, events: QuestEvent[], tz = 'UTC'): QuestState | null {
  let state: QuestState | null = null;
  for (const event of events) state = evaluate({ quest, state, event, timezone: tz, firstCompletedAt: never }).state;
  return state;
}

test('a late streak day joins the days around it and earns the completion', () => {
  // Stored: Nov 10 and Nov 12 (a gap, so the streak is 1). The late Nov 11 closes the gap.
  const stored = fold(signInThreeTimes, [login('2026-11-10T12:00:00Z'), login('2026-11-12T12:00:00Z')]);
  assert.equal(stored?.completions, 0);
  const late = evaluate({ quest: signInThreeTimes, state: stored, event: login('2026-11-11T12:00:00Z'), timezone: 'UTC', firstCompletedAt: never });
  assert.deepEqual(late.outcome, { kind: 'ignored', reason: 'stale-day' });
  const history = ['2026-11-10T12:00:00Z', '2026-11-11T12:00:00Z', '2026-11-12T12:00:00Z'].map(login);
  const replay = replayQuest(signInThreeTimes, stored, history, 'UTC', never);
  assert.deepEqual(replay.newCompletions.map((c) => c.number), [1]);
  assert.equal(replay.newCompletions[0]!.completedAt.toISOString(), '2026-11-12T12:00:00.000Z');
  assert.equal(replay.state.completions, 1);
  assert.equal(replay.state.claimed, 0, 'manual claim: nothing claimed by the replay');
  assert.equal(replay.state.streakBest, 3);
});

test('a late day of a daily quest earns that day’s completion, claimed at once when auto-claim', () => {
  const stored = fold(dailyLogin, [login('2026-11-12T08:00:00Z')]);
  const history = [login('2026-11-11T08:00:00Z'), login('2026-11-12T08:00:00Z')];
  const replay = replayQuest(dailyLogin, stored, history, 'UTC', never);
  assert.deepEqual(replay.newCompletions.map((c) => c.number), [2]);
  assert.equal(replay.state.completions, 2);
  assert.equal(replay.state.claimed, 2);
  assert.equal(replay.state.lastCompletedPeriod, '2026-11-12');
});

test('earned completions and claims are never taken back', () => {
  const stored: QuestState = { ...fold(signInThreeTimes, [login('2026-11-10T12:00:00Z')])!, completions: 2, claimed: 1 };
  const replay = replayQuest(signInThreeTimes, stored, [login('2026-11-09T12:00:00Z'), login('2026-11-10T12:00:00Z')], 'UTC', never);
  assert.equal(replay.newCompletions.length, 0);
  assert.equal(replay.state.completions, 2);
  assert.equal(replay.state.claimed, 1);
});

test('a replay reports what each event did; a completion already recorded is not earned again', () => {
  const history = ['2026-11-10T12:00:00Z', '2026-11-10T18:00:00Z', '2026-11-11T12:00:00Z'].map(login);
  // Nov 10 is recorded as completion 1 already; the replay re-reaches it and earns only Nov 11.
  const stored = fold(dailyLogin, [history[0]!]);
  const replay = replayQuest(dailyLogin, stored, history, 'UTC', never);
  assert.deepEqual(
    replay.verdicts.map((v) => (v.kind === 'ignored' ? v.reason : v.kind)),
    ['progressed', 'already-completed-this-period', 'completed'],
  );
  assert.deepEqual(replay.newCompletions, [{ number: 2, completedAt: new Date('2026-11-11T12:00:00Z'), index: 2 }]);
  // Replaying the result again earns nothing: completion numbers follow the recorded ones.
  const again = replayQuest(dailyLogin, replay.state, history, 'UTC', never);
  assert.equal(again.newCompletions.length, 0);
  assert.equal(again.state.completions, 2);
});

test('given the recorded instants, the new completion is the one really earned: the backfilled day, not a copy of today', () => {
  const stored = fold(dailyLogin, [login('2026-11-12T08:00:00Z')]);
  const history = [login('2026-11-11T08:00:00Z'), login('2026-11-12T08:00:00Z')];
  const replay = replayQuest(dailyLogin, stored, history, 'UTC', never, [new Date('2026-11-12T08:00:00Z')]);
  assert.deepEqual(replay.newCompletions, [{ number: 2, completedAt: new Date('2026-11-11T08:00:00Z'), index: 0 }]);
  assert.deepEqual(replay.verdicts, [{ kind: 'completed', completion: 2, autoClaimed: true }, { kind: 'progressed' }]);
  // A streak whose recorded completion is the earlier one: the new one is the later (day 6).
  const streak = fold(signInThreeTimes, ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-05', '2026-11-06'].map((d) => login(`${d}T12:00:00Z`)));
  assert.equal(streak?.completions, 1);
  const days = ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06'].map((d) => login(`${d}T12:00:00Z`));
  const filled = replayQuest(signInThreeTimes, streak, days, 'UTC', never, [new Date('2026-11-03T12:00:00Z')]);
  assert.deepEqual(filled.newCompletions.map((c) => [c.number, c.completedAt.toISOString()]), [[2, '2026-11-06T12:00:00.000Z']]);
});

test('prerequisites are judged per event at its own time, strictly after the first completion', () => {
  const advanced = quest({ key: 'advanced', prerequisites: ['intro'], objective: { event: 'match', mode: 'streak', target: 3 } });
  const match = (iso: string): QuestEvent => ({ type: 'match', occurredAt: new Date(iso) });
  const introAt = new Date('2026-11-11T12:00:00Z');
  const history = ['2026-11-10T12:00:00Z', '2026-11-11T12:00:00Z', '2026-11-12T12:00:00Z', '2026-11-13T12:00:00Z'].map(match);
  const replay = replayQuest(advanced, null, history, 'UTC', (k) => (k === 'intro' ? introAt : null));
  // Nov 10 is before intro was completed; Nov 11 is its very instant (the completing event's own time).
  assert.deepEqual(
    replay.verdicts.map((v) => (v.kind === 'ignored' ? v.reason : v.kind)),
    ['locked', 'locked', 'progressed', 'progressed'],
  );
  assert.equal(replay.state.streakCurrent, 2);
  assert.equal(replay.newCompletions.length, 0);
  // Intro completed a day earlier: the same history now completes the streak on Nov 13.
  const earlier = replayQuest(advanced, null, history, 'UTC', () => new Date('2026-11-10T00:00:00Z'));
  assert.deepEqual(earlier.newCompletions.map((c) => [c.number, c.index]), [[1, 2]]);
});
