import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, type Outcome, type QuestEvent } from '../src/domain/evaluate.js';
import type { QuestState } from '../src/domain/quest-state.js';
import { replayQuest } from '../src/domain/replay.js';
import { streakStep, type StreakStep } from '../src/domain/streak.js';
import { buildQuestView, viewContext } from '../src/domain/quest-view.js';
import { dailyLogin, quest } from './support/quests.js';

const streak5 = quest({ key: 'streak5', objective: { event: 'login', mode: 'streak', target: 5 } });

/** Events at instants, each ingested while the user had the given zone (what ingestion stores). */
function run(q: typeof streak5, steps: Array<[string, string]>, start: QuestState | null = null) {
  let state = start;
  const outcomes: string[] = [];
  for (const [at, zone] of steps) {
    const event: QuestEvent = { type: 'login', occurredAt: new Date(at), zone };
    const r = evaluate({ quest: q, state, event, timezone: zone, firstCompletedAt: () => null });
    state = r.state;
    outcomes.push(kind(r.outcome));
  }
  return { state: state!, outcomes };
}
const kind = (o: Outcome) => (o.kind === 'ignored' ? `ignored:${o.reason}` : o.kind === 'completed' ? `completed#${o.completion}` : 'progressed');

describe('streakStep: local dates in the zone at ingestion (table)', () => {
  const cases: Array<{ name: string; last: string | null; lastZone: string | null; at: string; zone: string; want: StreakStep }> = [
    { name: 'nothing counted yet', last: null, lastZone: null, at: '2026-03-01T10:00:00Z', zone: 'UTC', want: 'first' },
    { name: 'same zone, same date', last: '2026-03-01', lastZone: 'UTC', at: '2026-03-01T23:59:00Z', zone: 'UTC', want: 'same' },
    { name: 'same zone, next date', last: '2026-03-01', lastZone: 'UTC', at: '2026-03-02T00:00:00Z', zone: 'UTC', want: 'next' },
    { name: 'same zone, a date missed', last: '2026-03-01', lastZone: 'UTC', at: '2026-03-03T00:00:00Z', zone: 'UTC', want: 'gap' },
    // Tokyo 1 March 08:00 counted; moving to Los Angeles, 1 March 20:00 UTC is still 1 March there.
    { name: 'moved west: the date repeats', last: '2026-03-01', lastZone: 'Asia/Tokyo', at: '2026-03-01T20:00:00Z', zone: 'America/Los_Angeles', want: 'same' },
    // Tokyo 2 March counted (from 1 March 15:00 UTC); in LA, 2 March 01:00 UTC is 1 March, a day overlapping it in real time.
    { name: 'moved west: an earlier date overlapping the counted day is that day again', last: '2026-03-02', lastZone: 'Asia/Tokyo', at: '2026-03-02T01:00:00Z', zone: 'America/Los_Angeles', want: 'same' },
    // A backfilled event from before the counted Tokyo day began: a late event.
    { name: 'moved west: an event before the counted day began is late', last: '2026-03-02', lastZone: 'Asia/Tokyo', at: '2026-03-01T14:00:00Z', zone: 'America/Los_Angeles', want: 'earlier' },
    { name: 'moved west: a day wholly before the counted one is late', last: '2026-03-02', lastZone: 'Asia/Tokyo', at: '2026-02-28T14:00:00Z', zone: 'America/Los_Angeles', want: 'earlier' },
    // LA 3 March (from 3 March 08:00 UTC) begins after Tokyo 2 March ended (2 March 15:00 UTC), and LA 2 March overlapped it.
    { name: 'moved west: the first day after the counted one is next', last: '2026-03-02', lastZone: 'Asia/Tokyo', at: '2026-03-03T18:00:00Z', zone: 'America/Los_Angeles', want: 'next' },
    { name: 'moved west: a whole day of the new zone missed is a gap', last: '2026-03-02', lastZone: 'Asia/Tokyo', at: '2026-03-04T18:00:00Z', zone: 'America/Los_Angeles', want: 'gap' },
    // New York 1 March 20:00 counted; 2 March 22:00 NY is 3 March 12:00 in Tokyo: a gap in Tokyo dates only.
    { name: 'moved east: a gap made only by the change is forgiven', last: '2026-03-01', lastZone: 'America/New_York', at: '2026-03-03T03:00:00Z', zone: 'Asia/Tokyo', want: 'next' },
    // Across the date line: Pago Pago (−11) 1 March counted (until 2 March 11:00 UTC); Kiritimati (+14) 3 March began at 2 March 10:00 UTC: it overlaps.
    { name: 'moved across the date line: a day overlapping the counted one is not a new day', last: '2026-03-01', lastZone: 'Pacific/Pago_Pago', at: '2026-03-02T10:30:00Z', zone: 'Pacific/Kiritimati', want: 'same' },
    { name: 'moved across the date line: the next day of the new zone extends it', last: '2026-03-01', lastZone: 'Pacific/Pago_Pago', at: '2026-03-03T10:30:00Z', zone: 'Pacific/Kiritimati', want: 'next' },
    { name: 'moved east: a real missed day is a gap', last: '2026-03-01', lastZone: 'America/New_York', at: '2026-03-04T03:00:00Z', zone: 'Asia/Tokyo', want: 'gap' },
    // NY 1 March runs until 2 March 05:00 UTC; Tokyo 2 March (from 1 March 15:00 UTC) overlaps it: not a second day.
    { name: 'moved east: the next date of the new zone overlapping the counted day does not count', last: '2026-03-01', lastZone: 'America/New_York', at: '2026-03-01T16:00:00Z', zone: 'Asia/Tokyo', want: 'same' },
    { name: 'moved east: the first day after the counted one counts', last: '2026-03-01', lastZone: 'America/New_York', at: '2026-03-02T16:00:00Z', zone: 'Asia/Tokyo', want: 'next' },
    { name: 'an unknown last zone (rows stored before zones were) compares dates', last: '2026-03-01', lastZone: null, at: '2026-03-01T16:00:00Z', zone: 'Asia/Tokyo', want: 'next' },
    { name: 'Kolkata +05:30 next date', last: '2026-03-01', lastZone: 'Asia/Kolkata', at: '2026-03-01T18:30:00Z', zone: 'Asia/Kolkata', want: 'next' },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(streakStep(c.last, c.lastZone, c.at, c.zone), c.want));
  }
});

describe('a user who changes timezone mid-streak', () => {
  test('moving west: a repeated date never counts twice, the streak goes on the next new date', () => {
    const { state, outcomes } = run(streak5, [
      ['2026-03-01T01:00:00Z', 'Asia/Tokyo'], // Tokyo 1 Mar
      ['2026-03-01T23:00:00Z', 'Asia/Tokyo'], // Tokyo 2 Mar
      ['2026-03-02T05:00:00Z', 'America/Los_Angeles'], // LA 1 Mar: overlaps the counted Tokyo 2 Mar in real time
      ['2026-03-02T18:00:00Z', 'America/Los_Angeles'], // LA 2 Mar: the last counted date again
      ['2026-03-03T18:00:00Z', 'America/Los_Angeles'], // LA 3 Mar: the next date
    ]);
    assert.deepEqual(outcomes, ['progressed', 'progressed', 'ignored:same-day', 'ignored:same-day', 'progressed']);
    assert.equal(state.streakCurrent, 3);
    assert.equal(state.streakZone, 'America/Los_Angeles');
  });

  test('moving east: a date skipped only by the change keeps the streak; a later real gap breaks it', () => {
    const { state, outcomes } = run(streak5, [
      ['2026-03-01T01:00:00Z', 'America/New_York'], // NY 28 Feb
      ['2026-03-02T01:00:00Z', 'America/New_York'], // NY 1 Mar, 20:00
      ['2026-03-03T03:00:00Z', 'Asia/Tokyo'], // Tokyo 3 Mar (NY 2 Mar): 2 Mar Tokyo skipped by the flight
      ['2026-03-05T03:00:00Z', 'Asia/Tokyo'], // Tokyo 5 Mar: 4 Mar really missed
    ]);
    assert.deepEqual(outcomes, ['progressed', 'progressed', 'progressed', 'progressed']);
    assert.equal(state.streakCurrent, 1);
    assert.equal(state.streakBest, 3);
  });

  test('daily quests: a date already completed cannot be completed again after moving west', () => {
    let state: QuestState | null = null;
    const outcomes: string[] = [];
    for (const [at, zone] of [
      ['2026-03-01T23:00:00Z', 'Asia/Tokyo'], // Tokyo 2 Mar
      ['2026-03-02T06:00:00Z', 'America/Los_Angeles'], // LA 1 Mar: the completed Tokyo 2 Mar goes on (until 2 Mar 15:00Z)
      ['2026-03-02T20:00:00Z', 'America/Los_Angeles'], // LA 2 Mar: already completed
      ['2026-03-03T20:00:00Z', 'America/Los_Angeles'], // LA 3 Mar
    ] as const) {
      const r = evaluate({ quest: dailyLogin, state, event: { type: 'login', occurredAt: new Date(at), zone }, timezone: zone, firstCompletedAt: () => null });
      state = r.state;
      outcomes.push(kind(r.outcome));
    }
    assert.deepEqual(outcomes, ['completed#1', 'ignored:already-completed-this-period', 'ignored:already-completed-this-period', 'completed#2']);
  });

  test('a replay places every event in the zone it was ingested in, whatever the zone is now', () => {
    const history: QuestEvent[] = [
      { type: 'login', occurredAt: new Date('2026-03-01T23:00:00Z'), zone: 'Asia/Tokyo' }, // Tokyo 2 Mar
      { type: 'login', occurredAt: new Date('2026-03-02T23:00:00Z'), zone: 'Asia/Tokyo' }, // Tokyo 3 Mar
      { type: 'login', occurredAt: new Date('2026-03-04T20:00:00Z'), zone: 'UTC' }, // UTC 4 Mar
    ];
    const replay = replayQuest(streak5, null, history, 'America/Los_Angeles', () => null);
    // In Los Angeles alone these would be 1, 2 and 4 March (a gap); as ingested they are consecutive.
    assert.equal(replay.state.streakCurrent, 3);
    assert.equal(replay.state.streakLastDay, '2026-03-04');
  });

  test('the view keeps a streak alive when only the timezone change made the gap', () => {
    const { state } = run(streak5, [
      ['2026-03-01T01:00:00Z', 'America/New_York'],
      ['2026-03-02T01:00:00Z', 'America/New_York'], // NY 1 Mar 20:00
    ]);
    // Now: 2 Mar 22:00 NY = 3 Mar 12:00 Tokyo; the user now lives in Tokyo.
    const view = buildQuestView(streak5, state, viewContext(new Date('2026-03-03T03:00:00Z'), 'Asia/Tokyo', () => 0));
    assert.equal(view.streak!.current, 2);
    const later = buildQuestView(streak5, state, viewContext(new Date('2026-03-04T03:00:00Z'), 'Asia/Tokyo', () => 0));
    assert.equal(later.streak!.current, 0, 'a day really missed');
  });
});
