import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { initialState, type QuestState } from '../src/domain/quest-state.js';
import { buildQuestView, viewContext } from '../src/domain/quest-view.js';
import { dailyLogin, quest, signInThreeTimes } from './support/quests.js';

const ctx = (now: string, timezone = 'UTC', completionsOf: (k: string) => number = () => 0) => viewContext(new Date(now), timezone, completionsOf);
const state = (overrides: Partial<QuestState>): QuestState => ({ ...initialState(1), ...overrides });

describe('quest view', () => {
  test('a quest never touched is active with zero progress', () => {
    const view = buildQuestView(signInThreeTimes, null, ctx('2026-03-01T10:00:00Z'));
    assert.deepEqual(view, {
      quest: { key: 'sign-in-three-times', name: 'Sign in three times', description: signInThreeTimes.description, tags: [] },
      status: 'active',
      progress: 0,
      target: 3,
      completions: 0,
      maxCompletions: 2,
      streak: { current: 0, best: 0, lastDay: null },
      periodEndsAt: null,
      claimable: 0,
    });
  });

  test('count quests have no streak; daily quests end at the next local midnight', () => {
    const view = buildQuestView(dailyLogin, null, ctx('2026-03-01T10:00:00Z', 'Asia/Tokyo'));
    assert.equal(view.streak, null);
    assert.equal(view.periodEndsAt, '2026-03-01T15:00:00.000Z');
    const ny = buildQuestView(dailyLogin, null, ctx('2026-11-01T12:00:00Z', 'America/New_York'));
    assert.equal(ny.periodEndsAt, '2026-11-02T05:00:00.000Z');
  });

  test('weekly quests end at the next local Monday', () => {
    const weekly = quest({ key: 'weekly', repeat: 'weekly' });
    assert.equal(buildQuestView(weekly, null, ctx('2026-11-25T12:00:00Z')).periodEndsAt, '2026-11-30T00:00:00.000Z');
  });

  test('daily-login completed today is completed, and active again the next local day', () => {
    const s = state({ completions: 1, claimed: 1, periodKey: '2026-03-01', lastCompletedPeriod: '2026-03-01' });
    assert.equal(buildQuestView(dailyLogin, s, ctx('2026-03-01T14:59:00Z', 'Asia/Tokyo')).status, 'completed');
    const tomorrow = buildQuestView(dailyLogin, s, ctx('2026-03-01T15:00:00Z', 'Asia/Tokyo'));
    assert.equal(tomorrow.status, 'active');
    assert.equal(tomorrow.progress, 0);
    assert.equal(tomorrow.completions, 1);
  });

  test('progress of a repeating quest counts only in its current period', () => {
    const weekly = quest({ key: 'weekly', repeat: 'weekly', objective: { event: 'login', mode: 'count', target: 5 } });
    const s = state({ progress: 3, periodKey: '2026-W48' });
    assert.equal(buildQuestView(weekly, s, ctx('2026-11-29T12:00:00Z')).progress, 3);
    assert.equal(buildQuestView(weekly, s, ctx('2026-11-30T00:00:00Z')).progress, 0);
  });

  test('unclaimed completions are claimable, then maxed once all are claimed', () => {
    const earned = state({ completions: 2, claimed: 0, streakBest: 3, streakLastDay: '2026-03-06' });
    const claimable = buildQuestView(signInThreeTimes, earned, ctx('2026-03-06T12:00:00Z'));
    assert.equal(claimable.status, 'claimable');
    assert.equal(claimable.claimable, 2);
    const claimed = buildQuestView(signInThreeTimes, { ...earned, claimed: 2 }, ctx('2026-03-06T12:00:00Z'));
    assert.equal(claimed.status, 'maxed');
    assert.equal(claimed.claimable, 0);
    const one = buildQuestView(signInThreeTimes, { ...earned, completions: 1, claimed: 1 }, ctx('2026-03-06T12:00:00Z'));
    assert.equal(one.status, 'active');
  });

  test('daily-login reaches maxed after 365 completions', () => {
    const s = state({ completions: 365, claimed: 365, lastCompletedPeriod: '2027-03-01', periodKey: '2027-03-01' });
    assert.equal(buildQuestView(dailyLogin, s, ctx('2027-03-05T12:00:00Z')).status, 'maxed');
  });

  test('the live streak is kept through yesterday and broken before that (in the user timezone)', () => {
    const s = state({ streakCurrent: 2, streakBest: 2, progress: 2, streakLastDay: '2026-03-02' });
    const yesterday = buildQuestView(signInThreeTimes, s, ctx('2026-03-03T12:00:00Z'));
    assert.equal(yesterday.progress, 2);
    assert.deepEqual(yesterday.streak, { current: 2, best: 2, lastDay: '2026-03-02' });
    const broken = buildQuestView(signInThreeTimes, s, ctx('2026-03-04T12:00:00Z'));
    assert.equal(broken.progress, 0);
    assert.deepEqual(broken.streak, { current: 0, best: 2, lastDay: '2026-03-02' });
    // 2026-03-04T03:00Z is still March 3 in Los Angeles, so the streak is alive there.
    assert.equal(buildQuestView(signInThreeTimes, s, ctx('2026-03-04T03:00:00Z', 'America/Los_Angeles')).progress, 2);
    assert.equal(buildQuestView(signInThreeTimes, s, ctx('2026-03-04T03:00:00Z', 'Asia/Tokyo')).progress, 0);
  });

  test('locked while a prerequisite is missing or outside the schedule window', () => {
    const advanced = quest({ key: 'advanced', prerequisites: ['daily-login'] });
    assert.equal(buildQuestView(advanced, null, ctx('2026-03-01T10:00:00Z')).status, 'locked');
    assert.equal(buildQuestView(advanced, null, ctx('2026-03-01T10:00:00Z', 'UTC', () => 1)).status, 'active');

    const windowed = quest({ key: 'windowed', startsAt: '2026-03-01T00:00:00Z', endsAt: '2026-03-08T00:00:00Z' });
    assert.equal(buildQuestView(windowed, null, ctx('2026-02-28T23:59:59Z')).status, 'locked');
    assert.equal(buildQuestView(windowed, null, ctx('2026-03-01T00:00:00Z')).status, 'active');
    assert.equal(buildQuestView(windowed, null, ctx('2026-03-08T00:00:00Z')).status, 'locked');
    // An earned reward stays claimable after the window closed.
    assert.equal(buildQuestView(windowed, state({ completions: 1 }), ctx('2026-03-09T00:00:00Z')).status, 'claimable');
  });
});
