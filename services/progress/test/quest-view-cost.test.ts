/**
 * Regression (found by `npm run bench`): every zone check built an Intl.DateTimeFormat, so a
 * 50-quest GET /me/quests built ~200 of them — 7.5 ms of CPU per request and ICU memory that grew
 * progress to 2 GB. Counted here as constructions, not timed.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isKnownZone, isValidTimezone } from '@questline/platform';
import { viewsFromStates } from '../src/use-cases/quest-views.use-case.js';
import type { CatalogSnapshot } from '../src/clients/catalog-cache.js';
import { quest } from './support/quests.js';

const RealDateTimeFormat = Intl.DateTimeFormat;
let constructed = 0;

describe('the cost of a quest list', () => {
  beforeEach(() => {
    constructed = 0;
    // Counts every DateTimeFormat made while the list is built, whoever makes it.
    const counting = function (this: unknown, ...args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
      constructed++;
      return new RealDateTimeFormat(...args);
    } as unknown as typeof Intl.DateTimeFormat;
    Object.assign(counting, RealDateTimeFormat);
    counting.supportedLocalesOf = RealDateTimeFormat.supportedLocalesOf;
    Intl.DateTimeFormat = counting;
  });
  afterEach(() => {
    Intl.DateTimeFormat = RealDateTimeFormat;
  });

  test('a 50-quest list in a zone seen before builds no date formatter', () => {
    const quests = Array.from({ length: 50 }, (_, i) =>
      quest({ key: `q${i}`, repeat: (['none', 'daily', 'weekly'] as const)[i % 3], objective: { event: 'tap', mode: i % 5 ? 'count' : 'streak', target: 3 } }),
    );
    const catalog = { quests, byKey: new Map(quests.map((q) => [q.key, q])), eventTypes: new Map() } as unknown as CatalogSnapshot;
    viewsFromStates(catalog, new Map(), 'Europe/Paris', new Date('2026-03-01T10:00:00Z'));
    constructed = 0;
    const views = viewsFromStates(catalog, new Map(), 'Europe/Paris', new Date('2026-03-02T10:00:00Z'));
    assert.equal(views.length, 50);
    assert.equal(views[1]!.periodEndsAt, '2026-03-02T23:00:00.000Z');
    assert.equal(constructed, 0);
  });

  test('the live feed builds only the changed views, equal to the full list\'s and in its order', () => {
    const quests = Array.from({ length: 50 }, (_, i) => quest({ key: `q${i}`, repeat: 'daily', objective: { event: 'tap', mode: 'count', target: 3 } }));
    const catalog = { quests, byKey: new Map(quests.map((q) => [q.key, q])), archivedByKey: new Map(), eventTypes: new Map() } as unknown as CatalogSnapshot;
    const at = new Date('2026-03-02T10:00:00Z');
    const all = viewsFromStates(catalog, new Map(), 'Europe/Paris', at);
    const some = viewsFromStates(catalog, new Map(), 'Europe/Paris', at, new Set(['q40', 'q3', 'unknown']));
    assert.deepEqual(some, [all[3], all[40]]);
  });

  test('zone answers are remembered, for known and unknown names alike', () => {
    assert.equal(isKnownZone('Asia/Tokyo'), true);
    assert.equal(isKnownZone('Mars/Olympus_Mons'), false);
    constructed = 0;
    for (let i = 0; i < 100; i++) {
      assert.equal(isKnownZone('Asia/Tokyo'), true);
      assert.equal(isValidTimezone('Mars/Olympus_Mons'), false);
    }
    assert.equal(constructed, 0);
  });
});
