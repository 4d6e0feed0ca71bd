import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import {
  isoWeekKey,
  localDay,
  nextDay,
  periodEndsAt,
  periodInterval,
  periodKey,
  previousDay,
  safeZone,
  startOfNextDay,
  startOfNextWeek,
} from '../src/domain/calendar.js';

const NY = 'America/New_York';

describe('localDay', () => {
  test('the same instant is a different day in Tokyo and Los Angeles', () => {
    const instant = '2026-03-02T03:00:00Z';
    assert.equal(localDay(instant, 'Asia/Tokyo'), '2026-03-02');
    assert.equal(localDay(instant, 'America/Los_Angeles'), '2026-03-01');
    assert.equal(localDay(new Date(instant), 'UTC'), '2026-03-02');
  });

  test('Asia/Kolkata changes day at 18:30 UTC', () => {
    assert.equal(localDay('2026-01-01T18:29:59Z', 'Asia/Kolkata'), '2026-01-01');
    assert.equal(localDay('2026-01-01T18:30:00Z', 'Asia/Kolkata'), '2026-01-02');
  });

  test('Pacific/Kiritimati (UTC+14) is already tomorrow from 10:00 UTC', () => {
    assert.equal(localDay('2026-01-01T09:59:59Z', 'Pacific/Kiritimati'), '2026-01-01');
    assert.equal(localDay('2026-01-01T10:00:00Z', 'Pacific/Kiritimati'), '2026-01-02');
  });

  test('America/New_York on the spring-forward day (2026-03-08, 23 hours)', () => {
    assert.equal(localDay('2026-03-08T04:59:59Z', NY), '2026-03-07');
    assert.equal(localDay('2026-03-08T05:00:00Z', NY), '2026-03-08'); // 00:00 EST
    assert.equal(localDay('2026-03-08T06:59:59Z', NY), '2026-03-08'); // 01:59 EST
    assert.equal(localDay('2026-03-08T07:00:00Z', NY), '2026-03-08'); // 03:00 EDT
    assert.equal(localDay('2026-03-09T03:59:59Z', NY), '2026-03-08'); // 23:59 EDT
    assert.equal(localDay('2026-03-09T04:00:00Z', NY), '2026-03-09');
  });

  test('America/New_York on the fall-back day (2026-11-01, 25 hours)', () => {
    assert.equal(localDay('2026-11-01T03:59:59Z', NY), '2026-10-31');
    assert.equal(localDay('2026-11-01T04:00:00Z', NY), '2026-11-01'); // 00:00 EDT
    assert.equal(localDay('2026-11-01T05:30:00Z', NY), '2026-11-01'); // 01:30 EDT
    assert.equal(localDay('2026-11-01T06:30:00Z', NY), '2026-11-01'); // 01:30 EST, the repeated hour
    assert.equal(localDay('2026-11-02T04:59:59Z', NY), '2026-11-01'); // 23:59 EST
    assert.equal(localDay('2026-11-02T05:00:00Z', NY), '2026-11-02');
  });

  test('an unknown zone falls back to UTC', () => {
    assert.equal(safeZone('Mars/Olympus'), 'UTC');
    assert.equal(safeZone('Asia/Tokyo'), 'Asia/Tokyo');
    assert.equal(localDay('2026-03-02T03:00:00Z', 'Mars/Olympus'), '2026-03-02');
  });

  test('rejects an invalid instant', () => {
    assert.throws(() => localDay('not a date', 'UTC'), RangeError);
  });
});

describe('day arithmetic', () => {
  test('previous and next day across month, year and leap day', () => {
    assert.equal(previousDay('2026-03-01'), '2026-02-28');
    assert.equal(previousDay('2028-03-01'), '2028-02-29');
    assert.equal(previousDay('2026-01-01'), '2025-12-31');
    assert.equal(nextDay('2026-12-31'), '2027-01-01');
    assert.equal(nextDay('2026-03-08'), '2026-03-09');
  });

  test('start of the next day is DST-safe in New York', () => {
    assert.equal(startOfNextDay('2026-03-08T12:00:00Z', NY).toISOString(), '2026-03-09T04:00:00.000Z');
    assert.equal(startOfNextDay('2026-03-07T12:00:00Z', NY).toISOString(), '2026-03-08T05:00:00.000Z');
    assert.equal(startOfNextDay('2026-11-01T12:00:00Z', NY).toISOString(), '2026-11-02T05:00:00.000Z');
    assert.equal(startOfNextDay('2026-10-31T12:00:00Z', NY).toISOString(), '2026-11-01T04:00:00.000Z');
  });

  test('start of the next day in half-hour and +14 zones', () => {
    assert.equal(startOfNextDay('2026-01-01T00:00:00Z', 'Asia/Kolkata').toISOString(), '2026-01-01T18:30:00.000Z');
    assert.equal(startOfNextDay('2026-01-01T00:00:00Z', 'Pacific/Kiritimati').toISOString(), '2026-01-01T10:00:00.000Z');
  });
});

describe('ISO weeks', () => {
  test('week keys are ISO (Monday start, week-numbering year)', () => {
    assert.equal(isoWeekKey('2026-11-23T00:00:00Z', 'UTC'), '2026-W48'); // a Monday
    assert.equal(isoWeekKey('2026-11-29T23:59:59Z', 'UTC'), '2026-W48'); // the Sunday after
    assert.equal(isoWeekKey('2026-11-30T00:00:00Z', 'UTC'), '2026-W49');
    assert.equal(isoWeekKey('2027-01-02T12:00:00Z', 'UTC'), '2026-W53'); // 2026 has 53 ISO weeks
    assert.equal(isoWeekKey('2027-01-04T12:00:00Z', 'UTC'), '2027-W01');
    assert.equal(isoWeekKey('2026-01-05T12:00:00Z', 'UTC'), '2026-W02');
  });

  test('the week changes at local Monday midnight', () => {
    const sundayNightUtc = '2026-11-29T20:00:00Z';
    assert.equal(isoWeekKey(sundayNightUtc, 'Asia/Tokyo'), '2026-W49'); // Monday 05:00 in Tokyo
    assert.equal(isoWeekKey(sundayNightUtc, 'America/Los_Angeles'), '2026-W48'); // Sunday 12:00
  });

  test('start of the next week, also across a DST change', () => {
    assert.equal(startOfNextWeek('2026-11-25T12:00:00Z', 'UTC').toISOString(), '2026-11-30T00:00:00.000Z');
    assert.equal(startOfNextWeek('2026-11-30T00:00:00Z', 'UTC').toISOString(), '2026-12-07T00:00:00.000Z');
    assert.equal(startOfNextWeek('2026-10-28T12:00:00Z', NY).toISOString(), '2026-11-02T05:00:00.000Z');
    assert.equal(startOfNextWeek('2026-03-04T12:00:00Z', NY).toISOString(), '2026-03-09T04:00:00.000Z');
  });
});

describe('periods', () => {
  test('period keys per repeat kind', () => {
    assert.equal(periodKey('daily', '2026-03-02T03:00:00Z', 'America/Los_Angeles'), '2026-03-01');
    assert.equal(periodKey('weekly', '2026-11-29T20:00:00Z', 'Asia/Tokyo'), '2026-W49');
    assert.equal(periodKey('none', '2026-03-02T03:00:00Z', 'UTC'), null);
  });

  test('period ends', () => {
    assert.equal(periodEndsAt('daily', '2026-03-01T10:00:00Z', 'Asia/Tokyo')?.toISOString(), '2026-03-01T15:00:00.000Z');
    assert.equal(periodEndsAt('weekly', '2026-11-25T12:00:00Z', 'UTC')?.toISOString(), '2026-11-30T00:00:00.000Z');
    assert.equal(periodEndsAt('none', '2026-03-01T10:00:00Z', 'UTC'), null);
  });
});

describe('remembered periods', () => {
  // Luxon on every call. A day ends where periodInterval says it does (its start plus a day): where
  // a fall-back repeats midnight (Havana), "this instant plus a day, at its midnight" would be the
  // second midnight, an hour after the next day has begun.
  const reference = (instant: Date, zone: string) => {
    const dt = DateTime.fromJSDate(instant, { zone });
    return {
      day: dt.toFormat('yyyy-MM-dd'),
      week: `${dt.weekYear}-W${String(dt.weekNumber).padStart(2, '0')}`,
      nextDay: dt.startOf('day').plus({ days: 1 }).startOf('day').toMillis(),
      nextWeek: dt.startOf('week').plus({ weeks: 1 }).startOf('day').toMillis(),
    };
  };

  test('answer as Luxon does, for instants back and forth across DST changes, midnights that do not exist and year ends', () => {
    const zones = ['UTC', 'Europe/Paris', NY, 'America/Santiago', 'America/Havana', 'Asia/Kolkata', 'Pacific/Chatham', 'Australia/Lord_Howe', 'Pacific/Apia'];
    // Around instants where zones move their clocks or their weeks and years turn, then random ones.
    const anchors = ['2026-03-08T07:00:00Z', '2026-03-29T01:00:00Z', '2026-04-05T03:00:00Z', '2026-09-06T04:00:00Z', '2026-10-25T01:00:00Z', '2026-11-01T06:00:00Z', '2026-12-31T23:30:00Z', '2027-01-03T12:00:00Z'].map(Date.parse);
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const instants: number[] = [];
    for (const a of anchors) for (let m = -180; m <= 180; m += 15) instants.push(a + m * 60_000);
    for (let i = 0; i < 400; i++) instants.push(Date.parse('2026-01-01T00:00:00Z') + Math.floor(random() * 400 * 86_400_000));
    // Visited in this order and shuffled, so that remembered periods are hit, missed and replaced.
    const order = [...instants, ...instants.map((t) => ({ t, r: random() })).sort((a, b) => a.r - b.r).map((x) => x.t)];
    for (const zone of zones) {
      for (const t of order) {
        const at = new Date(t);
        const want = reference(at, zone);
        const got = {
          day: localDay(at, zone),
          week: isoWeekKey(at, zone),
          nextDay: startOfNextDay(at, zone).getTime(),
          nextWeek: startOfNextWeek(at, zone).getTime(),
        };
        assert.deepEqual(got, want, `${zone} at ${at.toISOString()}`);
        assert.equal(periodKey('daily', at.toISOString(), zone), want.day, 'an instant given as a string');
        assert.equal(periodEndsAt('weekly', at, zone)?.getTime(), want.nextWeek);
        assert.equal(startOfNextDay(at, zone).getTime(), periodInterval('daily', want.day, zone).end.getTime(), 'the end of the day its key names');
      }
    }
  });

  test('where midnight comes twice (Havana falls back from 01:00 to 00:00), the day ends at the first one', () => {
    const lateEvening = new Date('2026-11-01T03:00:00Z'); // 23:00 on 31 October, UTC-4
    assert.equal(localDay(lateEvening, 'America/Havana'), '2026-10-31');
    assert.equal(startOfNextDay(lateEvening, 'America/Havana').toISOString(), '2026-11-01T04:00:00.000Z');
    assert.equal(localDay(new Date('2026-11-01T04:30:00Z'), 'America/Havana'), '2026-11-01', 'the next day has begun');
  });
});
