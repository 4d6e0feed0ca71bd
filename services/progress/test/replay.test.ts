import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, type QuestEvent, type QuestState } from '../src/domain/evaluate.js';
import { replayQuest } from '../src/domain/replay.js';
import { dailyLogin, signInThreeTimes } from './support/quests.js';

const login = (iso: string): QuestEvent => ({ type: 'login', occurredAt: new Date(iso) });
const none = () => 0;

function fold(quest: typeof signInThreeTimes, events: QuestEvent[], tz = 'UTC'): QuestState | null {
  let state: QuestState | null = null;
  for (const event of events) state = evaluate({ quest, state, event, timezone: tz, completionsOf: none }).state;
  return state;
}

test('a late streak day joins the days around it and earns the completion', () => {
  // Stored: Nov 10 and Nov 12 (a gap, so the streak is 1). The late Nov 11 closes the gap.
  const stored = fold(signInThreeTimes, [login('2026-11-10T12:00:00Z'), login('2026-11-12T12:00:00Z')]);
  assert.equal(stored?.completions, 0);
  const late = evaluate({ quest: signInThreeTimes, state: stored, event: login('2026-11-11T12:00:00Z'), timezone: 'UTC', completionsOf: none });
  assert.deepEqual(late.outcome, { kind: 'ignored', reason: 'stale-day' });
  const history = ['2026-11-10T12:00:00Z', '2026-11-11T12:00:00Z', '2026-11-12T12:00:00Z'].map(login);
  const replay = replayQuest(signInThreeTimes, stored, history, 'UTC', none);
  assert.deepEqual(replay.newCompletions.map((c) => c.number), [1]);
  assert.equal(replay.newCompletions[0]!.completedAt.toISOString(), '2026-11-12T12:00:00.000Z');
  assert.equal(replay.state.completions, 1);
  assert.equal(replay.state.claimed, 0, 'manual claim: nothing claimed by the replay');
  assert.equal(replay.state.streakBest, 3);
});

test('a late day of a daily quest earns that day’s completion, claimed at once when auto-claim', () => {
  const stored = fold(dailyLogin, [login('2026-11-12T08:00:00Z')]);
  const history = [login('2026-11-11T08:00:00Z'), login('2026-11-12T08:00:00Z')];
  const replay = replayQuest(dailyLogin, stored, history, 'UTC', none);
  assert.deepEqual(replay.newCompletions.map((c) => c.number), [2]);
  assert.equal(replay.state.completions, 2);
  assert.equal(replay.state.claimed, 2);
  assert.equal(replay.state.lastCompletedPeriod, '2026-11-12');
});

test('earned completions and claims are never taken back', () => {
  const stored: QuestState = { ...fold(signInThreeTimes, [login('2026-11-10T12:00:00Z')])!, completions: 2, claimed: 1 };
  const replay = replayQuest(signInThreeTimes, stored, [login('2026-11-09T12:00:00Z'), login('2026-11-10T12:00:00Z')], 'UTC', none);
  assert.equal(replay.newCompletions.length, 0);
  assert.equal(replay.state.completions, 2);
  assert.equal(replay.state.claimed, 1);
});
