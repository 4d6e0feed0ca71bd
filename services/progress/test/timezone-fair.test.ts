import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PublishedQuest } from '@questline/contracts';
import { dayInterval, localDay, periodInterval, relatePeriods, type Interval } from '../src/domain/calendar.js';
import { evaluate, type Outcome, type QuestEvent } from '../src/domain/evaluate.js';
import type { QuestState } from '../src/domain/quest-state.js';
import { buildQuestView, viewContext } from '../src/domain/quest-view.js';
import { replayQuest } from '../src/domain/replay.js';
import { dailyLogin, quest } from './support/quests.js';

// "Timezone-fair periods" (README): a period overlapping, in real time, the last completed one is not
// completable again; a streak day overlapping the last counted one is not a new day.

const kind = (o: Outcome) => (o.kind === 'ignored' ? `ignored:${o.reason}` : o.kind === 'completed' ? `completed#${o.completion}` : 'progressed');

/** Events at instants, each ingested while the user had the given zone (what ingestion stores). */
function run(q: PublishedQuest, steps: Array<[string, string]>, start: QuestState | null = null) {
  let state = start;
  const outcomes: string[] = [];
  const states: QuestState[] = [];
  for (const [at, zone] of steps) {
    const event: QuestEvent = { type: 'login', occurredAt: new Date(at), zone };
    const r = evaluate({ quest: q, state, event, timezone: zone, firstCompletedAt: () => null });
    state = r.state;
    outcomes.push(kind(r.outcome));
    states.push(state);
  }
  return { state: state!, outcomes, states };
}

const NY = 'America/New_York';
const TOKYO = 'Asia/Tokyo';
const LA = 'America/Los_Angeles';
const weeklyLogin = quest({ key: 'weekly-login', objective: { event: 'login', mode: 'count', target: 1 }, repeat: 'weekly', autoClaim: true });
const streak5 = quest({ key: 'streak5', objective: { event: 'login', mode: 'streak', target: 5 } });

describe('calendar: periods as intervals of real time', () => {
  test('a day and an ISO week of a zone', () => {
    assert.deepEqual(iso(dayInterval('2026-03-01', NY)), ['2026-03-01T05:00:00.000Z', '2026-03-02T05:00:00.000Z']);
    assert.deepEqual(iso(periodInterval('weekly', '2026-W10', TOKYO)), ['2026-03-01T15:00:00.000Z', '2026-03-08T15:00:00.000Z']);
    // New York's spring-forward day has 23 hours.
    assert.deepEqual(iso(dayInterval('2026-03-08', NY)), ['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
  });

  test('relatePeriods: keys in one zone, intervals across zones', () => {
    assert.equal(relatePeriods('daily', '2026-03-02', NY, '2026-03-01', NY), 'after');
    assert.equal(relatePeriods('daily', '2026-03-01', NY, '2026-03-01', null), 'overlaps');
    assert.equal(relatePeriods('daily', '2026-03-02', TOKYO, '2026-03-01', NY), 'overlaps');
    assert.equal(relatePeriods('daily', '2026-03-03', TOKYO, '2026-03-01', NY), 'after');
    assert.equal(relatePeriods('daily', '2026-03-03', LA, '2026-03-03', TOKYO), 'overlaps');
    assert.equal(relatePeriods('daily', '2026-03-01', LA, '2026-03-03', TOKYO), 'before');
    assert.equal(relatePeriods('weekly', '2026-W10', TOKYO, '2026-W09', NY), 'overlaps');
    assert.equal(relatePeriods('weekly', '2026-W11', TOKYO, '2026-W09', NY), 'after');
    // A quest whose repeat changed keeps a period of the other kind: it guards nothing (never an error).
    assert.equal(relatePeriods('weekly', '2026-W10', TOKYO, '2026-03-01', NY), 'after');
    assert.equal(relatePeriods('daily', '2026-03-01', TOKYO, '2026-W10', NY), 'after');
    assert.equal(relatePeriods('daily', '2026-03-01', NY, '2026-W10', NY), 'after');
  });
});

describe('daily-login across timezone changes', () => {
  test('moving east: New York late evening completes; Tokyo minutes later (already "tomorrow") completes nothing until its next day', () => {
    const { state, outcomes } = run(dailyLogin, [
      ['2026-03-02T04:00:00Z', NY], // NY 1 Mar 23:00
      ['2026-03-02T04:03:00Z', TOKYO], // Tokyo 2 Mar 13:03: that day overlaps NY 1 Mar
      ['2026-03-02T14:59:00Z', TOKYO], // Tokyo 2 Mar 23:59: still that day
      ['2026-03-02T15:00:00Z', TOKYO], // Tokyo 3 Mar 00:00: wholly after NY 1 Mar
      ['2026-03-02T20:00:00Z', TOKYO], // Tokyo 3 Mar again
    ]);
    assert.deepEqual(outcomes, ['completed#1', 'ignored:already-completed-this-period', 'ignored:already-completed-this-period', 'completed#2', 'ignored:already-completed-this-period']);
    assert.equal(state.lastCompletedPeriod, '2026-03-03');
    assert.equal(state.completedZone, TOKYO);
    assert.equal(state.claimed, 2);
  });

  test('moving east pays no more than staying: the same logins in New York alone earn as many', () => {
    const logins = ['2026-03-02T04:00:00Z', '2026-03-02T04:03:00Z', '2026-03-02T14:59:00Z', '2026-03-02T15:00:00Z', '2026-03-03T04:00:00Z'];
    const moved = run(dailyLogin, logins.map((at, i) => [at, i === 0 ? NY : TOKYO]));
    const stayed = run(dailyLogin, logins.map((at) => [at, NY]));
    assert.ok(moved.state.completions <= stayed.state.completions, `${moved.state.completions} > ${stayed.state.completions}`);
  });

  test('moving west: the completion earned stays, the overlapping western day completes nothing, the next one completes normally', () => {
    const { state, outcomes } = run(dailyLogin, [
      ['2026-03-03T14:00:00Z', TOKYO], // Tokyo 3 Mar 23:00
      ['2026-03-03T14:05:00Z', LA], // LA 3 Mar 06:05: overlaps Tokyo 3 Mar
      ['2026-03-04T07:59:00Z', LA], // LA 3 Mar 23:59
      ['2026-03-04T08:00:00Z', LA], // LA 4 Mar 00:00: wholly after Tokyo 3 Mar
    ]);
    assert.deepEqual(outcomes, ['completed#1', 'ignored:already-completed-this-period', 'ignored:already-completed-this-period', 'completed#2']);
    assert.equal(state.completions, 2);
  });

  test('moving west onto an earlier date: nothing is lost, and the hour is the completed Tokyo day still going on (not a stale one)', () => {
    const { state, outcomes } = run(dailyLogin, [
      ['2026-03-02T01:00:00Z', TOKYO], // Tokyo 2 Mar 10:00
      ['2026-03-02T02:00:00Z', LA], // LA 1 Mar 18:00: an earlier key, but Tokyo 2 Mar goes on until 2 Mar 15:00Z
    ]);
    assert.deepEqual(outcomes, ['completed#1', 'ignored:already-completed-this-period']);
    assert.equal(state.completions, 1);
  });

  test('the view shows the overlapping day as completed, and the next one as active', () => {
    const { state } = run(dailyLogin, [['2026-03-02T04:00:00Z', NY]]);
    const during = buildQuestView(dailyLogin, state, viewContext(new Date('2026-03-02T04:03:00Z'), TOKYO, () => 0));
    assert.equal(during.status, 'completed');
    assert.equal(during.periodEndsAt, '2026-03-02T15:00:00.000Z');
    const after = buildQuestView(dailyLogin, state, viewContext(new Date('2026-03-02T15:00:00Z'), TOKYO, () => 0));
    assert.equal(after.status, 'active');
  });

  test('a replay of a history with a zone change applies the same rule (a backfill earns nothing twice)', () => {
    const history: QuestEvent[] = [
      { type: 'login', occurredAt: new Date('2026-03-02T04:00:00Z'), zone: NY },
      { type: 'login', occurredAt: new Date('2026-03-02T04:03:00Z'), zone: TOKYO },
      { type: 'login', occurredAt: new Date('2026-03-02T16:00:00Z'), zone: TOKYO },
    ];
    const replay = replayQuest(dailyLogin, null, history, TOKYO, () => null);
    assert.deepEqual(replay.verdicts.map(kind), ['completed#1', 'ignored:already-completed-this-period', 'completed#2']);
    // A late event of the day before, backfilled now (ingested in Tokyo), fills that day only.
    const late: QuestEvent = { type: 'login', occurredAt: new Date('2026-03-01T02:00:00Z'), zone: TOKYO }; // Tokyo 1 Mar 11:00
    const again = replayQuest(dailyLogin, replay.state, [late, ...history], TOKYO, () => null, replay.newCompletions.map((c) => c.completedAt));
    assert.deepEqual(again.newCompletions.map((c) => c.completedAt.toISOString()), ['2026-03-01T02:00:00.000Z']);
    assert.equal(again.state.completions, 3);
  });
});

describe('weekly quests across timezone changes', () => {
  test('a week completed on a New York Sunday night: the Tokyo week it overlaps completes nothing, the next one does', () => {
    const { outcomes } = run(weeklyLogin, [
      ['2026-03-02T04:00:00Z', NY], // NY Sun 1 Mar 23:00, week 2026-W09
      ['2026-03-02T04:05:00Z', TOKYO], // Tokyo Mon 2 Mar 13:05, week 2026-W10: overlaps NY W09
      ['2026-03-08T14:59:00Z', TOKYO], // Tokyo Sun 8 Mar 23:59: still W10
      ['2026-03-08T15:00:00Z', TOKYO], // Tokyo Mon 9 Mar 00:00: W11
    ]);
    assert.deepEqual(outcomes, ['completed#1', 'ignored:already-completed-this-period', 'ignored:already-completed-this-period', 'completed#2']);
  });

  test('moving west keeps the week earned and completes the first western week after it', () => {
    const { outcomes } = run(weeklyLogin, [
      ['2026-03-08T14:00:00Z', TOKYO], // Tokyo Sun 8 Mar 23:00, W10
      ['2026-03-08T14:10:00Z', LA], // LA Sun 8 Mar 07:10, W10: overlaps
      ['2026-03-09T14:00:00Z', LA], // LA Mon 9 Mar 07:00, W11: starts after Tokyo W10 ended
    ]);
    assert.deepEqual(outcomes, ['completed#1', 'ignored:already-completed-this-period', 'completed#2']);
  });
});

describe('streak days across timezone changes', () => {
  test('New York to Tokyo does not count an extra day', () => {
    const { state, outcomes } = run(streak5, [
      ['2026-03-01T01:00:00Z', NY], // NY 28 Feb
      ['2026-03-02T04:00:00Z', NY], // NY 1 Mar 23:00
      ['2026-03-02T04:05:00Z', TOKYO], // Tokyo 2 Mar: overlaps NY 1 Mar
      ['2026-03-02T16:00:00Z', TOKYO], // Tokyo 3 Mar: the next day
    ]);
    assert.deepEqual(outcomes, ['progressed', 'progressed', 'ignored:same-day', 'progressed']);
    assert.equal(state.streakCurrent, 3);
    assert.equal(state.streakLastDay, '2026-03-03');
  });

  test('Tokyo to New York does not count a day twice, and does not break the streak', () => {
    const { state, outcomes } = run(streak5, [
      ['2026-03-01T14:00:00Z', TOKYO], // Tokyo 1 Mar 23:00
      ['2026-03-02T14:00:00Z', TOKYO], // Tokyo 2 Mar 23:00
      ['2026-03-02T14:05:00Z', NY], // NY 2 Mar 09:05: overlaps Tokyo 2 Mar
      ['2026-03-03T01:00:00Z', NY], // NY 2 Mar 20:00: the same NY day
      ['2026-03-03T20:00:00Z', NY], // NY 3 Mar: the next day
    ]);
    assert.deepEqual(outcomes, ['progressed', 'progressed', 'ignored:same-day', 'ignored:same-day', 'progressed']);
    assert.equal(state.streakCurrent, 3);
  });
});

const dailyThree = quest({ key: 'daily-three', objective: { event: 'login', mode: 'count', target: 3 }, repeat: 'daily', autoClaim: true });

describe('the period in progress across a timezone change', () => {
  // Tokyo 3 Mar is [2 Mar 15:00Z, 3 Mar 15:00Z); New York 2 Mar is [2 Mar 05:00Z, 3 Mar 05:00Z), 3 Mar [3 Mar 05:00Z, 4 Mar 05:00Z).
  test('moving west: events during the overlap count toward the period in progress until its real-time end', () => {
    const { state, outcomes } = run(dailyThree, [
      ['2026-03-02T23:00:00Z', TOKYO], // Tokyo 3 Mar 08:00: 1 of 3
      ['2026-03-03T01:00:00Z', NY], // NY 2 Mar 20:00 (an earlier date), Tokyo 3 Mar 10:00: 2 of 3
      ['2026-03-03T03:00:00Z', NY], // NY 2 Mar 22:00: 3 of 3, Tokyo 3 Mar completes
      ['2026-03-03T10:00:00Z', NY], // NY 3 Mar 05:00, Tokyo 3 Mar 19:00: that period again
      ['2026-03-03T16:00:00Z', NY], // NY 3 Mar 11:00: Tokyo 3 Mar is over; NY 3 Mar overlaps it
      ['2026-03-04T06:00:00Z', NY], // NY 4 Mar 01:00: wholly after it
    ]);
    assert.deepEqual(outcomes, ['progressed', 'progressed', 'completed#1', 'ignored:already-completed-this-period', 'ignored:already-completed-this-period', 'progressed']);
    assert.deepEqual([state.lastCompletedPeriod, state.completedZone], ['2026-03-03', TOKYO]);
    assert.deepEqual([state.periodKey, state.periodZone, state.progress], ['2026-03-04', NY, 1]);
  });

  test('moving west: a period in progress not completed by its end gives way to the new zone\'s period, from zero', () => {
    const { state, outcomes } = run(dailyThree, [
      ['2026-03-02T23:00:00Z', TOKYO], // Tokyo 3 Mar: 1
      ['2026-03-03T01:00:00Z', NY], // still Tokyo 3 Mar: 2
      ['2026-03-03T16:00:00Z', NY], // NY 3 Mar 11:00, Tokyo 3 Mar over: NY 3 Mar starts at 1
      ['2026-03-03T17:00:00Z', NY],
      ['2026-03-03T18:00:00Z', NY], // 3 of 3: NY 3 Mar completes
      ['2026-03-03T20:00:00Z', NY],
    ]);
    assert.deepEqual(outcomes, ['progressed', 'progressed', 'progressed', 'progressed', 'completed#1', 'ignored:already-completed-this-period']);
    assert.deepEqual([state.lastCompletedPeriod, state.completedZone], ['2026-03-03', NY]);
  });

  test('moving east: the period in progress runs to its own end, not to the new zone\'s midnight', () => {
    const { outcomes } = run(dailyThree, [
      ['2026-03-02T14:00:00Z', NY], // NY 2 Mar 09:00: 1
      ['2026-03-02T20:00:00Z', TOKYO], // Tokyo 3 Mar 05:00, NY 2 Mar 15:00: 2 toward NY 2 Mar
      ['2026-03-03T04:00:00Z', TOKYO], // NY 2 Mar 23:00: 3, completes NY 2 Mar
      ['2026-03-03T06:00:00Z', TOKYO], // Tokyo 3 Mar overlaps NY 2 Mar: completes nothing
      ['2026-03-03T15:00:00Z', TOKYO], // Tokyo 4 Mar 00:00: a new period
    ]);
    assert.deepEqual(outcomes, ['progressed', 'progressed', 'completed#1', 'ignored:already-completed-this-period', 'progressed']);
  });

  test('an event from before the period in progress began is late (stale-period, replayed)', () => {
    const { outcomes } = run(dailyThree, [
      ['2026-03-02T23:00:00Z', TOKYO], // Tokyo 3 Mar
      ['2026-03-02T14:00:00Z', NY], // Tokyo 2 Mar 23:00: before Tokyo 3 Mar began
    ]);
    assert.deepEqual(outcomes, ['progressed', 'ignored:stale-period']);
  });

  test('a replay of the same history gives the same answers', () => {
    const steps: Array<[string, string]> = [
      ['2026-03-02T23:00:00Z', TOKYO],
      ['2026-03-03T01:00:00Z', NY],
      ['2026-03-03T03:00:00Z', NY],
      ['2026-03-03T16:00:00Z', NY],
      ['2026-03-04T06:00:00Z', NY],
    ];
    const history: QuestEvent[] = steps.map(([at, zone]) => ({ type: 'login', occurredAt: new Date(at), zone }));
    const replay = replayQuest(dailyThree, null, history, NY, () => null);
    const live = run(dailyThree, steps);
    assert.deepEqual(replay.verdicts.map(kind), live.outcomes);
    assert.deepEqual(replay.state, live.state);
  });

  test('the view during the overlap shows the period in progress, and the new zone\'s period after it', () => {
    const { state } = run(dailyThree, [['2026-03-02T23:00:00Z', TOKYO]]);
    const during = buildQuestView(dailyThree, state, viewContext(new Date('2026-03-03T01:00:00Z'), NY, () => 0));
    assert.deepEqual([during.status, during.progress, during.periodEndsAt], ['active', 1, '2026-03-03T15:00:00.000Z']);
    const after = buildQuestView(dailyThree, state, viewContext(new Date('2026-03-03T16:00:00Z'), NY, () => 0));
    assert.deepEqual([after.status, after.progress, after.periodEndsAt], ['active', 0, '2026-03-04T05:00:00.000Z']);
    // Completed in Tokyo, then moved west: the New York day, which overlaps it, shows it completed.
    const done = run(dailyLogin, [['2026-03-02T23:00:00Z', TOKYO]]).state;
    const west = buildQuestView(dailyLogin, done, viewContext(new Date('2026-03-03T01:00:00Z'), NY, () => 0));
    assert.deepEqual([west.status, west.progress, west.periodEndsAt], ['completed', 0, '2026-03-03T05:00:00.000Z']);
  });
});

/** A small deterministic PRNG (mulberry32), so a failure names a reproducible seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const overlap = (a: Interval, b: Interval) => a.start < b.end && b.start < a.end;
const iso = (i: Interval) => [i.start.toISOString(), i.end.toISOString()];

describe('the guarantee, whatever the changes (random zone changes, seeded)', () => {
  const zones = ['Pacific/Kiritimati', TOKYO, 'Asia/Kolkata', 'Europe/Paris', 'UTC', NY, LA, 'Pacific/Pago_Pago'];
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    test(`seed ${seed}: no two completed periods and no two counted streak days overlap in real time`, () => {
      const random = prng(seed);
      let t = Date.parse('2026-03-01T00:00:00Z');
      let zone = zones[0]!;
      const steps: Array<[string, string]> = [];
      for (let i = 0; i < 400; i++) {
        t += Math.floor(random() * 9 * 3600_000);
        if (random() < 0.3) zone = zones[Math.floor(random() * zones.length)]!;
        steps.push([new Date(t).toISOString(), zone]);
      }
      for (const q of [dailyLogin, weeklyLogin, dailyThree]) {
        const repeat = q.repeat as 'daily' | 'weekly';
        const { outcomes, states, state } = run({ ...q, maxCompletions: null }, steps);
        // The period each completion completed (after a move, possibly the older zone's period in progress).
        const completedAt = steps.map((_, i) => i).filter((i) => outcomes[i]!.startsWith('completed'));
        const done = completedAt.map((i) => periodInterval(repeat, states[i]!.lastCompletedPeriod!, states[i]!.completedZone!));
        completedAt.forEach((i) => {
          const t = Date.parse(steps[i]![0]);
          assert.ok(done[completedAt.indexOf(i)]!.start.getTime() <= t && t < done[completedAt.indexOf(i)]!.end.getTime(), `${q.key}: completed outside its period`);
        });
        assert.ok(done.length > (repeat === 'daily' ? 12 : 3), `too few completions to mean anything: ${done.length}`);
        for (let i = 1; i < done.length; i++) assert.ok(!overlap(done[i - 1]!, done[i]!) && done[i - 1]!.end <= done[i]!.start, `${q.key}: ${iso(done[i - 1]!)} then ${iso(done[i]!)}`);
        // Replaying the history in time order gives what was applied event by event (in order, no event is stale).
        assert.ok(!outcomes.includes('ignored:stale-period'), `${q.key}: an in-order event was stale`);
        const replay = replayQuest({ ...q, maxCompletions: null }, null, steps.map(([at, zone]) => ({ type: 'login', occurredAt: new Date(at), zone })), zone, () => null);
        assert.deepEqual(replay.state, state);
      }
      const streak = run(quest({ key: 's', objective: { event: 'login', mode: 'streak', target: 1000 } }), steps);
      const counted = steps.filter((_, i) => streak.outcomes[i] === 'progressed').map(([at, z]) => dayInterval(localDay(at, z), z));
      for (let i = 1; i < counted.length; i++) assert.ok(counted[i - 1]!.end <= counted[i]!.start, `streak: ${iso(counted[i - 1]!)} then ${iso(counted[i]!)}`);
    });
  }
});
