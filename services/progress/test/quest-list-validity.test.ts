import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PublishedQuest } from '@questline/contracts';
import { isoWeekKey, localDay } from '../src/domain/calendar.js';
import { questListValidUntil } from '../src/domain/quest-list-validity.js';
import { initialState, type QuestState } from '../src/domain/quest-state.js';
import { buildQuestView, viewContext } from '../src/domain/quest-view.js';
import { dailyLogin, quest } from './support/quests.js';

const at = (iso: string) => new Date(iso);
const H = 3600_000;

describe('how long a rendered quest list stays current', () => {
  test('until the next local midnight of the user', () => {
    assert.equal(questListValidUntil([dailyLogin], new Map(), 'UTC', at('2026-03-01T23:59:30Z')), Date.parse('2026-03-02T00:00:00Z'));
    assert.equal(questListValidUntil([dailyLogin], new Map(), 'Asia/Tokyo', at('2026-03-01T10:00:00Z')), Date.parse('2026-03-01T15:00:00Z'));
  });

  test('until an earlier midnight of a zone a state was stored in', () => {
    const states = new Map([['daily-login', { ...initialState(1), streakZone: 'Asia/Tokyo', streakLastDay: '2026-03-01' }]]);
    assert.equal(questListValidUntil([dailyLogin], states, 'America/New_York', at('2026-03-01T10:00:00Z')), Date.parse('2026-03-01T15:00:00Z'));
  });

  test('until a quest opens or closes', () => {
    const opening = quest({ key: 'opening', startsAt: '2026-03-01T12:00:00Z' });
    const closing = quest({ key: 'closing', endsAt: '2026-03-01T11:00:00Z' });
    const past = quest({ key: 'past', startsAt: '2026-02-01T00:00:00Z', endsAt: '2026-03-01T09:00:00Z' });
    assert.equal(questListValidUntil([opening, past], new Map(), 'UTC', at('2026-03-01T10:00:00Z')), Date.parse('2026-03-01T12:00:00Z'));
    assert.equal(questListValidUntil([opening, closing, past], new Map(), 'UTC', at('2026-03-01T10:00:00Z')), Date.parse('2026-03-01T11:00:00Z'));
  });

  // The promise the cache rests on: at every instant before the end, rendering again gives the same
  // list. Checked over random users, states and schedules around DST changes and odd zones.
  test('rendering again at any instant before the end gives the same list', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const zones = ['UTC', 'Asia/Tokyo', 'America/New_York', 'America/Havana', 'Asia/Kolkata', 'Pacific/Chatham', 'Australia/Lord_Howe', 'Europe/London'];
    const bases = ['2026-03-08T06:30:00Z', '2026-11-01T05:30:00Z', '2026-03-29T00:30:00Z', '2026-10-25T01:30:00Z', '2026-12-31T22:00:00Z', '2026-06-15T12:00:00Z'];
    const kinds: Pick<PublishedQuest, 'repeat' | 'objective'>[] = [
      { repeat: 'daily', objective: { event: 'e', mode: 'count', target: 3 } },
      { repeat: 'weekly', objective: { event: 'e', mode: 'count', target: 5 } },
      { repeat: 'none', objective: { event: 'e', mode: 'streak', target: 4 } },
      { repeat: 'daily', objective: { event: 'e', mode: 'streak', target: 2 } },
    ];
    const instant = (base: Date, hours: number) => new Date(base.getTime() + hours * H);
    let checked = 0;
    for (let round = 0; round < 400; round++) {
      const now = instant(at(pick(bases)), (rand() - 0.5) * 96);
      const timezone = pick(zones);
      const quests = kinds.map((kind, i) =>
        quest({
          key: `q${i}`,
          ...kind,
          startsAt: rand() < 0.3 ? instant(now, (rand() - 0.3) * 30).toISOString() : null,
          endsAt: rand() < 0.3 ? instant(now, rand() * 40).toISOString() : null,
          prerequisites: i === 3 && rand() < 0.5 ? ['q0'] : [],
        }),
      );
      const states = new Map<string, QuestState>();
      for (const q of quests) {
        if (rand() < 0.2) continue;
        const zone = rand() < 0.6 ? timezone : pick(zones);
        const daysAgo = Math.floor(rand() * 3);
        const then = instant(now, -24 * daysAgo - rand() * 5);
        const period = q.repeat === 'weekly' ? isoWeekKey(then, zone) : q.repeat === 'daily' ? localDay(then, zone) : null;
        const completed = rand() < 0.4;
        states.set(q.key, {
          ...initialState(1),
          progress: Math.floor(rand() * 3),
          periodKey: period,
          periodZone: period ? zone : null,
          completions: completed ? 1 : 0,
          claimed: completed && rand() < 0.5 ? 1 : 0,
          lastCompletedPeriod: completed ? period : null,
          completedZone: completed && period ? zone : null,
          streakCurrent: 1 + Math.floor(rand() * 3),
          streakBest: 3,
          streakLastDay: localDay(then, zone),
          streakZone: zone,
        });
      }
      const render = (when: Date) => {
        const ctx = viewContext(when, timezone, (key) => states.get(key)?.completions ?? 0);
        return quests.map((q) => buildQuestView(q, states.get(q.key) ?? null, ctx));
      };
      const until = questListValidUntil(quests, states, timezone, now);
      assert.ok(until > now.getTime(), 'a list is current at the instant it is rendered');
      const rendered = render(now);
      for (const t of [now.getTime() + 1, until - 1, now.getTime() + rand() * (until - now.getTime())]) {
        assert.deepEqual(render(new Date(t)), rendered, `rendered at ${now.toISOString()} in ${timezone}, again at ${new Date(t).toISOString()} (end ${new Date(until).toISOString()})`);
        checked++;
      }
    }
    assert.equal(checked, 1200);
  });
});
