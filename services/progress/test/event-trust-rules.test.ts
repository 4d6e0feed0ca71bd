import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventTypeRule } from '@questline/contracts';
import { judgePlayerEvent, playerDay, secondsUntil } from '../src/domain/event-trust.js';

const rule = (over: Partial<EventTypeRule> = {}): EventTypeRule => ({ type: 'match.won', playerReportable: true, maxValue: null, playerDailyLimit: null, ...over });

describe('judgePlayerEvent (pure)', () => {
  const now = new Date('2026-03-10T12:00:00Z');

  test('undeclared, server-only and reserved types are not reportable, whatever a declaration says of login', () => {
    assert.deepEqual(judgePlayerEvent(undefined, { type: 'x' }, now, 'UTC'), { kind: 'not-reportable' });
    assert.deepEqual(judgePlayerEvent(rule({ playerReportable: false }), { type: 'match.won' }, now, 'UTC'), { kind: 'not-reportable' });
    assert.deepEqual(judgePlayerEvent(rule({ type: 'login' }), { type: 'login' }, now, 'UTC'), { kind: 'not-reportable' });
  });

  test('maxValue bounds value (an event without a value passes)', () => {
    assert.deepEqual(judgePlayerEvent(rule({ maxValue: 5 }), { type: 'match.won', value: 6 }, now, 'UTC'), { kind: 'value-too-large', maxValue: 5 });
    assert.equal(judgePlayerEvent(rule({ maxValue: 5 }), { type: 'match.won', value: 5 }, now, 'UTC').kind, 'allowed');
    assert.equal(judgePlayerEvent(rule({ maxValue: 5 }), { type: 'match.won' }, now, 'UTC').kind, 'allowed');
  });

  test('no daily limit declared: nothing to count', () => {
    assert.deepEqual(judgePlayerEvent(rule(), { type: 'match.won' }, now, 'UTC'), { kind: 'allowed', dailyLimit: null });
  });
});

describe("the daily limit's day is the player's own", () => {
  test('a minute before and after local midnight in New York are two days; the first resets at that midnight', () => {
    const before = new Date('2026-03-11T03:59:00Z'); // 23:59 on the 10th in New York (EDT from 8 March)
    const after = new Date('2026-03-11T04:01:00Z'); // 00:01 on the 11th
    const first = playerDay(10, before, 'America/New_York');
    assert.deepEqual(first, { day: '2026-03-10', limit: 10, resetsAt: new Date('2026-03-11T04:00:00Z') });
    assert.equal(playerDay(10, after, 'America/New_York').day, '2026-03-11');
    assert.equal(secondsUntil(first.resetsAt, before), 60);
    // The same instants are one UTC day apart from New York's: the limit follows the player's zone.
    assert.equal(playerDay(10, before, 'UTC').day, '2026-03-11');
  });

  test('a day of 23 hours (DST starts) ends at the real local midnight', () => {
    const day = playerDay(3, new Date('2026-03-08T12:00:00Z'), 'America/New_York');
    assert.deepEqual(day, { day: '2026-03-08', limit: 3, resetsAt: new Date('2026-03-09T04:00:00Z') });
  });

  test('Retry-After is at least one second', () => {
    const at = new Date('2026-03-11T04:00:00Z');
    assert.equal(secondsUntil(at, at), 1);
    assert.equal(secondsUntil(at, new Date('2026-03-11T03:59:59.500Z')), 1);
  });
});
