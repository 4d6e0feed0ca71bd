import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PublishedQuest } from '@questline/contracts';
import { evaluate, matchesFilter, type Outcome, type QuestEvent } from '../src/domain/evaluate.js';
import { initialState, type QuestState } from '../src/domain/quest-state.js';
import { dailyLogin, quest, signInThreeTimes } from './support/quests.js';

type Step = string | (Partial<QuestEvent> & { at: string });

/** Feeds events (ISO instants, or partial events) through evaluate, as ingestion does. */
function run(q: PublishedQuest, steps: Step[], timezone = 'UTC', opts: { state?: QuestState; firstCompletedAt?: (k: string) => Date | null } = {}) {
  let state: QuestState | null = opts.state ?? null;
  const outcomes: Outcome[] = [];
  for (const step of steps) {
    const { at, ...rest } = typeof step === 'string' ? { at: step } : step;
    const event: QuestEvent = { type: q.objective.event, occurredAt: new Date(at), ...rest };
    const result = evaluate({ quest: q, state, event, timezone, firstCompletedAt: opts.firstCompletedAt ?? (() => null) });
    state = result.state;
    outcomes.push(result.outcome);
  }
  return { state: state!, outcomes };
}

const kinds = (outcomes: Outcome[]) => outcomes.map((o) => (o.kind === 'ignored' ? `ignored:${o.reason}` : o.kind === 'completed' ? `completed#${o.completion}` : 'progressed'));

describe('daily-login (count 1, repeat daily, auto-claim, max 365)', () => {
  test('first login of a local day completes, a second the same day does nothing, the next day completes again', () => {
    const { state, outcomes } = run(dailyLogin, ['2026-03-01T08:00:00Z', '2026-03-01T20:00:00Z', '2026-03-02T00:10:00Z'], 'UTC');
    assert.deepEqual(kinds(outcomes), ['completed#1', 'ignored:already-completed-this-period', 'completed#2']);
    assert.deepEqual(outcomes[0], { kind: 'completed', completion: 1, autoClaimed: true });
    assert.equal(state.completions, 2);
    assert.equal(state.claimed, 2, 'auto-claim marks the completion claimed');
    assert.equal(state.lastCompletedPeriod, '2026-03-02');
    assert.equal(state.progress, 0);
  });

  test('Tokyo and Los Angeles see different days for the same instants', () => {
    const instants = ['2026-03-01T14:00:00Z', '2026-03-01T15:30:00Z']; // Tokyo 23:00 → 00:30; LA 06:00 → 07:30
    assert.deepEqual(kinds(run(dailyLogin, instants, 'Asia/Tokyo').outcomes), ['completed#1', 'completed#2']);
    assert.deepEqual(kinds(run(dailyLogin, instants, 'America/Los_Angeles').outcomes), ['completed#1', 'ignored:already-completed-this-period']);
  });

  test('New York: the repeated hour of fall-back is one day, the next local midnight starts a new one', () => {
    const { outcomes } = run(dailyLogin, ['2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z', '2026-11-02T04:59:00Z', '2026-11-02T05:00:00Z'], 'America/New_York');
    assert.deepEqual(kinds(outcomes), ['completed#1', 'ignored:already-completed-this-period', 'ignored:already-completed-this-period', 'completed#2']);
  });

  test('New York: the short spring-forward day ends at 04:00 UTC', () => {
    const { outcomes } = run(dailyLogin, ['2026-03-08T06:30:00Z', '2026-03-09T03:59:00Z', '2026-03-09T04:00:00Z'], 'America/New_York');
    assert.deepEqual(kinds(outcomes), ['completed#1', 'ignored:already-completed-this-period', 'completed#2']);
  });

  test('Asia/Kolkata and Pacific/Kiritimati change day at their own midnight', () => {
    assert.deepEqual(kinds(run(dailyLogin, ['2026-01-01T18:29:00Z', '2026-01-01T18:31:00Z'], 'Asia/Kolkata').outcomes), ['completed#1', 'completed#2']);
    assert.deepEqual(kinds(run(dailyLogin, ['2026-01-01T18:29:00Z', '2026-01-01T18:31:00Z'], 'UTC').outcomes), ['completed#1', 'ignored:already-completed-this-period']);
    assert.deepEqual(kinds(run(dailyLogin, ['2026-01-01T09:59:00Z', '2026-01-01T10:00:00Z'], 'Pacific/Kiritimati').outcomes), ['completed#1', 'completed#2']);
  });

  test('maxCompletions 365 stops completions', () => {
    const state: QuestState = { ...initialState(1), completions: 364, claimed: 364, periodKey: '2026-03-01', lastCompletedPeriod: '2026-03-01' };
    const { state: after, outcomes } = run(dailyLogin, ['2026-03-02T12:00:00Z', '2026-03-03T12:00:00Z', '2026-03-04T12:00:00Z'], 'UTC', { state });
    assert.deepEqual(kinds(outcomes), ['completed#365', 'ignored:maxed', 'ignored:maxed']);
    assert.equal(after.completions, 365);
  });
});

describe('sign-in-three-times (streak 3, max 2, manual claim)', () => {
  test('three consecutive local days complete; the completion is not auto-claimed', () => {
    const { state, outcomes } = run(signInThreeTimes, ['2026-03-01T10:00:00Z', '2026-03-02T10:00:00Z', '2026-03-03T10:00:00Z']);
    assert.deepEqual(kinds(outcomes), ['progressed', 'progressed', 'completed#1']);
    assert.deepEqual(outcomes[2], { kind: 'completed', completion: 1, autoClaimed: false });
    assert.equal(state.claimed, 0);
    assert.equal(state.streakCurrent, 0);
    assert.equal(state.streakBest, 3);
    assert.equal(state.streakLastDay, '2026-03-03');
  });

  test('the same day again does nothing', () => {
    const { state, outcomes } = run(signInThreeTimes, ['2026-03-01T01:00:00Z', '2026-03-01T23:00:00Z']);
    assert.deepEqual(kinds(outcomes), ['progressed', 'ignored:same-day']);
    assert.equal(state.streakCurrent, 1);
  });

  test('a missed day resets the streak to 1', () => {
    const { state, outcomes } = run(signInThreeTimes, ['2026-03-01T10:00:00Z', '2026-03-02T10:00:00Z', '2026-03-04T10:00:00Z']);
    assert.deepEqual(kinds(outcomes), ['progressed', 'progressed', 'progressed']);
    assert.equal(state.streakCurrent, 1);
    assert.equal(state.progress, 1);
    assert.equal(state.streakBest, 2);
  });

  test('after a completion the streak restarts from zero; the completion day is used up', () => {
    const days = ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07'];
    const { state, outcomes } = run(signInThreeTimes, days.map((d) => `${d}T10:00:00Z`));
    assert.deepEqual(kinds(outcomes), [
      'progressed',
      'progressed',
      'completed#1',
      'ignored:same-day',
      'progressed', // day 4 counts as 1
      'progressed',
      'completed#2',
      'ignored:maxed',
    ]);
    assert.equal(state.completions, 2);
    assert.equal(state.claimed, 0);
  });

  test('streak days follow the user timezone (Tokyo vs Los Angeles)', () => {
    const instants = ['2026-03-01T14:00:00Z', '2026-03-01T15:30:00Z', '2026-03-02T15:30:00Z'];
    assert.deepEqual(kinds(run(signInThreeTimes, instants, 'Asia/Tokyo').outcomes), ['progressed', 'progressed', 'completed#1']);
    const la = run(signInThreeTimes, instants, 'America/Los_Angeles');
    assert.deepEqual(kinds(la.outcomes), ['progressed', 'ignored:same-day', 'progressed']);
    assert.equal(la.state.streakCurrent, 2);
  });

  test('New York streak across spring-forward', () => {
    const { outcomes } = run(
      signInThreeTimes,
      ['2026-03-07T17:00:00Z', '2026-03-08T16:00:00Z', '2026-03-09T03:30:00Z', '2026-03-09T04:30:00Z'],
      'America/New_York',
    );
    assert.deepEqual(kinds(outcomes), ['progressed', 'progressed', 'ignored:same-day', 'completed#1']);
  });

  test('New York streak across fall-back', () => {
    const { outcomes } = run(
      signInThreeTimes,
      ['2026-10-31T04:30:00Z', '2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z', '2026-11-02T04:30:00Z', '2026-11-02T05:00:00Z'],
      'America/New_York',
    );
    assert.deepEqual(kinds(outcomes), ['progressed', 'progressed', 'ignored:same-day', 'ignored:same-day', 'completed#1']);
  });

  test('known limitation: an event older than the last streak day does not rewrite the streak', () => {
    const { state, outcomes } = run(signInThreeTimes, ['2026-03-05T10:00:00Z', '2026-03-04T10:00:00Z']);
    assert.deepEqual(kinds(outcomes), ['progressed', 'ignored:stale-day']);
    assert.equal(state.streakLastDay, '2026-03-05');
  });
});

describe('counting, summing, filters', () => {
  test('count: progress toward the next completion starts from zero', () => {
    const q = quest({ key: 'two', objective: { event: 'login', mode: 'count', target: 2 } });
    const { state, outcomes } = run(q, ['2026-03-01T10:00:00Z', '2026-03-01T10:01:00Z', '2026-03-01T10:02:00Z']);
    assert.deepEqual(kinds(outcomes), ['progressed', 'completed#1', 'progressed']);
    assert.equal(state.progress, 1);
    assert.equal(state.periodKey, null);
  });

  test('sum adds values, needs a positive value, honours the filter and drops the overshoot', () => {
    const q = quest({ key: 'spend', objective: { event: 'spend', mode: 'sum', target: 100, filter: { item: 'gem' } } });
    const { state, outcomes } = run(q, [
      { at: '2026-03-01T10:00:00Z', value: 30, attributes: { item: 'gem' } },
      { at: '2026-03-01T10:01:00Z', value: 50, attributes: { item: 'coin' } },
      { at: '2026-03-01T10:02:00Z', attributes: { item: 'gem' } },
      { at: '2026-03-01T10:03:00Z', value: 0, attributes: { item: 'gem' } },
      { at: '2026-03-01T10:04:00Z', value: 40, attributes: { item: 'gem' } },
      { at: '2026-03-01T10:05:00Z', value: 80, attributes: { item: 'gem' } },
    ]);
    assert.deepEqual(kinds(outcomes), ['progressed', 'ignored:filter-mismatch', 'ignored:no-value', 'ignored:no-value', 'progressed', 'completed#1']);
    assert.equal(state.progress, 0);
    assert.equal(state.completions, 1);
  });

  test('filters compare strictly and require every key', () => {
    assert.equal(matchesFilter(undefined, undefined), true);
    assert.equal(matchesFilter({ level: 5 }, { level: 5, extra: 'x' }), true);
    assert.equal(matchesFilter({ level: 5 }, { level: '5' }), false);
    assert.equal(matchesFilter({ level: 5, mode: 'hard' }, { level: 5 }), false);
    assert.equal(matchesFilter({ level: 5 }, null), false);
    assert.equal(matchesFilter({ toString: 'x' }, {}), false);
  });

  test('an event of another type is ignored', () => {
    const { outcomes } = run(dailyLogin, [{ at: '2026-03-01T10:00:00Z', type: 'logout' }]);
    assert.deepEqual(kinds(outcomes), ['ignored:filter-mismatch']);
  });

  test('a new quest version is recorded on the state', () => {
    const q = quest({ key: 'v', version: 3, objective: { event: 'login', mode: 'count', target: 5 } });
    const { state } = run(q, ['2026-03-01T10:00:00Z'], 'UTC', { state: { ...initialState(2), progress: 2 } });
    assert.equal(state.questVersion, 3);
    assert.equal(state.progress, 3, 'progress already earned is kept');
  });
});

describe('weekly reset', () => {
  const weekly = quest({ key: 'weekly', objective: { event: 'login', mode: 'count', target: 3 }, repeat: 'weekly' });

  test('progress resets when the ISO week changes and one completion per week', () => {
    const { state, outcomes } = run(weekly, [
      '2026-11-23T10:00:00Z', // Mon W48
      '2026-11-24T10:00:00Z',
      '2026-11-30T10:00:00Z', // Mon W49: reset, 1
      '2026-12-01T10:00:00Z',
      '2026-12-06T23:00:00Z', // Sun W49: 3 → completed
      '2026-12-06T23:30:00Z',
      '2026-12-07T00:00:00Z', // W50
    ]);
    assert.deepEqual(kinds(outcomes), [
      'progressed',
      'progressed',
      'progressed',
      'progressed',
      'completed#1',
      'ignored:already-completed-this-period',
      'progressed',
    ]);
    assert.equal(state.periodKey, '2026-W50');
    assert.equal(state.progress, 1);
    assert.equal(state.lastCompletedPeriod, '2026-W49');
  });

  test('the week boundary is the user local Monday', () => {
    const instants = ['2026-11-29T12:00:00Z', '2026-11-29T20:00:00Z']; // Tokyo: Sun 21:00 → Mon 05:00
    assert.equal(run(weekly, instants, 'Asia/Tokyo').state.progress, 1);
    assert.equal(run(weekly, instants, 'America/Los_Angeles').state.progress, 2);
  });

  test('known limitation: an event from an earlier period does not rewrite the current one', () => {
    const { state, outcomes } = run(weekly, ['2026-11-30T10:00:00Z', '2026-11-27T10:00:00Z']);
    assert.deepEqual(kinds(outcomes), ['progressed', 'ignored:stale-period']);
    assert.equal(state.periodKey, '2026-W49');
  });
});

describe('schedule window and prerequisites', () => {
  test('events outside [startsAt, endsAt) are ignored', () => {
    const q = quest({ key: 'event-week', objective: { event: 'login', mode: 'count', target: 10 }, startsAt: '2026-03-01T00:00:00Z', endsAt: '2026-03-02T00:00:00Z' });
    const { state, outcomes } = run(q, ['2026-02-28T23:59:59Z', '2026-03-01T00:00:00Z', '2026-03-01T23:59:59Z', '2026-03-02T00:00:00Z']);
    assert.deepEqual(kinds(outcomes), ['ignored:outside-schedule', 'progressed', 'progressed', 'ignored:outside-schedule']);
    assert.equal(state.progress, 2);
  });

  test('a quest is locked until every prerequisite has a completion', () => {
    const q = quest({ key: 'advanced', prerequisites: ['basic', 'intro'] });
    const earlier = new Date('2026-03-01T09:00:00Z');
    const none = run(q, ['2026-03-01T10:00:00Z'], 'UTC', { firstCompletedAt: () => null });
    assert.deepEqual(kinds(none.outcomes), ['ignored:locked']);
    assert.equal(none.state.completions, 0);
    const one = run(q, ['2026-03-01T10:00:00Z'], 'UTC', { firstCompletedAt: (k) => (k === 'basic' ? earlier : null) });
    assert.deepEqual(kinds(one.outcomes), ['ignored:locked']);
    const both = run(q, ['2026-03-01T10:00:00Z'], 'UTC', { firstCompletedAt: () => earlier });
    assert.deepEqual(kinds(both.outcomes), ['completed#1']);
  });

  test('ignored events leave the state untouched', () => {
    const state: QuestState = { ...initialState(1), progress: 4, periodKey: null };
    const q = quest({ key: 'locked', prerequisites: ['x'], objective: { event: 'login', mode: 'count', target: 10 } });
    const { state: after } = run(q, ['2026-03-01T10:00:00Z'], 'UTC', { state });
    assert.deepEqual(after, state);
  });
});
