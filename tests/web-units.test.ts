/**
 * Unit tests of the web app's pure logic (the quest editor's request body and error mapping, the
 * display helpers, the quest card's words, the timezone picker, the field messages); the live
 * stream's logic is in web-live-units.test.ts, and the browser tests cover the rest.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildQuestBody, emptyQuestForm, formFieldOf, formFromQuest } from '../apps/web/src/pages/admin/quest-form.js';
import { addDays, formatCountdown, plural } from '../apps/web/src/lib/format.js';
import { currentName, filterZones, groupZones, offsetLabel, offsetMinutesOf } from '../apps/web/src/lib/timezones.js';
import { fieldMessage } from '../apps/web/src/lib/field-messages.js';
import { barValue, completionsText, humanize, lockText, objectiveText, payText } from '../apps/web/src/lib/quest-text.js';

describe('quest editor', () => {
  const filled = { ...emptyQuestForm, key: 'walk-the-dog', name: 'Walk', event: 'dog_walked', target: '3', rewardId: 'r1' };

  test('a filled form becomes the API body, with numbers, lists and nulls', () => {
    const built = buildQuestBody({ ...filled, tags: 'pets, outdoor', prerequisites: 'daily-login', maxCompletions: '5', repeat: 'daily' }, true);
    assert.ok(built.ok);
    assert.deepEqual(built.body, {
      key: 'walk-the-dog',
      name: 'Walk',
      description: '',
      tags: ['pets', 'outdoor'],
      objective: { event: 'dog_walked', mode: 'count', target: 3 },
      rewardId: 'r1',
      autoClaim: false,
      maxCompletions: 5,
      repeat: 'daily',
      startsAt: null,
      endsAt: null,
      prerequisites: ['daily-login'],
    });
  });

  test('an edit leaves the key out; empty max completions means unlimited (null)', () => {
    const built = buildQuestBody(filled, false);
    assert.ok(built.ok);
    assert.equal('key' in built.body, false);
    assert.equal(built.body.maxCompletions, null);
  });

  test('what the API must judge is sent as typed: an empty target is left out, a non-number stays text', () => {
    const empty = buildQuestBody({ ...filled, target: '' }, true);
    assert.ok(empty.ok);
    assert.equal('target' in (empty.body.objective as object), false);
    const text = buildQuestBody({ ...filled, target: 'three' }, true);
    assert.ok(text.ok);
    assert.equal((text.body.objective as { target: unknown }).target, 'three');
  });

  test('filter lines become typed attributes; a line without = is refused at the filter field', () => {
    const built = buildQuestBody({ ...filled, filter: 'map=desert\nranked=true\nlevel=3' }, true);
    assert.ok(built.ok);
    assert.deepEqual((built.body.objective as { filter: unknown }).filter, { map: 'desert', ranked: true, level: 3 });
    assert.deepEqual(buildQuestBody({ ...filled, filter: 'oops' }, true), { ok: false, field: 'objective.filter', message: '“oops” is not attribute=value' });
  });

  test('no reward chosen is sent without one: the API refuses it and names every other wrong field too', () => {
    const unpicked = buildQuestBody({ ...filled, rewardId: '' }, true);
    assert.ok(unpicked.ok && !('rewardId' in unpicked.body), 'sent without a reward, for the API to name every wrong field');
  });

  test('dates from datetime-local inputs are sent as UTC instants', () => {
    const built = buildQuestBody({ ...filled, startsAt: '2026-07-01T10:00' }, true);
    assert.ok(built.ok);
    assert.equal(built.body.startsAt, new Date('2026-07-01T10:00').toISOString());
  });

  test('an API error field maps to the closest form field', () => {
    assert.equal(formFieldOf('key'), 'key');
    assert.equal(formFieldOf('objective.target'), 'objective.target');
    assert.equal(formFieldOf('objective'), 'objective.event');
    assert.equal(formFieldOf('objective.filter.map'), 'objective.filter');
    assert.equal(formFieldOf('tags.2'), 'tags');
    assert.equal(formFieldOf('body.name'), 'name');
    assert.equal(formFieldOf('somethingElse'), null);
  });

  test('a quest loads back into the form it came from', () => {
    const form = formFromQuest({
      id: 'q',
      key: 'k',
      name: 'N',
      description: 'D',
      tags: ['a', 'b'],
      status: 'draft',
      version: 1,
      objective: { event: 'e', mode: 'sum', target: 50, filter: { map: 'x' } },
      rewardId: 'r',
      autoClaim: true,
      maxCompletions: null,
      repeat: 'weekly',
      startsAt: null,
      endsAt: null,
      prerequisites: ['p'],
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
    });
    assert.deepEqual(
      [form.tags, form.mode, form.target, form.filter, form.maxCompletions, form.prerequisites, form.autoClaim],
      ['a, b', 'sum', '50', 'map=x', '', 'p', true],
    );
  });
});

describe('display helpers', () => {
  test('countdowns', () => {
    assert.equal(formatCountdown(0), 'now');
    assert.equal(formatCountdown(65_000), '1m 05s');
    assert.equal(formatCountdown((3 * 3600 + 4 * 60 + 5) * 1000), '3h 04m 05s');
    assert.equal(formatCountdown((2 * 86400 + 3600) * 1000), '2d 1h 00m');
  });

  test('calendar days across month and year ends', () => {
    assert.equal(addDays('2026-03-01', -1), '2026-02-28');
    assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  });

  test('plurals', () => {
    assert.equal(plural(1, 'day'), '1 day');
    assert.equal(plural(2, 'day'), '2 days');
  });
});

describe('a quest card in plain words (lib/quest-text.ts)', () => {
  test('what to do: the event as words, how many times, days in a row, a total, a filter', () => {
    assert.equal(humanize('dog_walked'), 'dog walked');
    assert.equal(objectiveText({ event: 'dog_walked', mode: 'count', target: 3 }), '“dog walked” 3 times');
    assert.equal(objectiveText({ event: 'login', mode: 'count', target: 1 }), '“login” once');
    assert.equal(objectiveText({ event: 'login', mode: 'streak', target: 3 }), '“login” on 3 days in a row');
    assert.equal(objectiveText({ event: 'spend', mode: 'sum', target: 1500, filter: { shop: 'main' } }), '“spend” (shop: main) adding up to 1,500');
  });

  test('what it pays: items, XP and badge, nothing left out', () => {
    assert.equal(payText({ items: [{ currency: 'gold', amount: 10 }, { currency: 'diamond', amount: 2 }], xp: 5, badge: 'racer' }), '+10 gold, +2 diamond, +5 XP, the “racer” badge');
    assert.equal(payText({ items: [], xp: 0, badge: null }), '');
  });

  test('why it is locked: prerequisites by name first, then the schedule', () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    const base = { status: 'locked' as const, lockedBy: [], startsAt: null, endsAt: null };
    assert.equal(lockText({ ...base, lockedBy: [{ key: 'a', name: 'Tutorial' }, { key: 'b', name: 'First raid' }] }, now), 'Unlocks when you complete “Tutorial” and “First raid”.');
    assert.match(lockText({ ...base, startsAt: '2026-12-24T00:00:00Z' }, now)!, /^Opens on .+\.$/);
    assert.match(lockText({ ...base, endsAt: '2026-12-01T00:00:00Z' }, now)!, /^Ended on .+\.$/);
    assert.equal(lockText({ ...base, status: 'active' }, now), null);
  });

  test('a done quest shows a full bar; completions are said only when they mean something', () => {
    assert.equal(barValue({ status: 'completed', progress: 0, target: 1 }), 1);
    assert.equal(barValue({ status: 'maxed', progress: 0, target: 3 }), 3);
    assert.equal(barValue({ status: 'active', progress: 2, target: 3 }), 2);
    assert.equal(completionsText({ completions: 1, maxCompletions: 365 }), 'Completed once');
    assert.equal(completionsText({ completions: 0, maxCompletions: null }), '');
    assert.equal(completionsText({ completions: 1, maxCompletions: 2 }), '1 of 2 completions');
  });
});

describe('the timezone picker (lib/timezones.ts)', () => {
  const now = new Date('2026-12-07T12:00:00Z');

  test('legacy names the browser lists are shown under their current IANA names, once', () => {
    assert.equal(currentName('Asia/Calcutta'), 'Asia/Kolkata');
    assert.equal(currentName('Europe/Kiev'), 'Europe/Kyiv');
    assert.equal(currentName('Europe/Paris'), 'Europe/Paris');
    const groups = groupZones(['Asia/Calcutta', 'Asia/Kolkata', 'Europe/Kiev', 'UTC'], now);
    assert.deepEqual(groups.flatMap((g) => g.options.map((o) => o.zone)), ['UTC', 'Asia/Kolkata', 'Europe/Kyiv']);
  });

  test('grouped by region (UTC first), each with its offset now, by offset within a region', () => {
    const groups = groupZones(['America/New_York', 'America/Los_Angeles', 'America/Argentina/Buenos_Aires', 'Asia/Tokyo', 'UTC'], now);
    assert.deepEqual(groups.map((g) => g.region), ['UTC', 'America', 'Asia']);
    assert.deepEqual(groups[1]!.options.map((o) => o.label), ['Los Angeles (UTC-08:00)', 'New York (UTC-05:00)', 'Argentina / Buenos Aires (UTC-03:00)']);
    assert.equal(groups[2]!.options[0]!.label, 'Tokyo (UTC+09:00)');
    assert.equal(groups[0]!.options[0]!.label, 'UTC (UTC+00:00)');
    assert.deepEqual(groupZones(['Mars/Olympus'], now, () => null), [], 'a zone the runtime does not know is left out');
  });

  test('a search matches words of the name, the region or the offset; the selected zone always stays', () => {
    const groups = groupZones(['America/New_York', 'Asia/Kolkata', 'Asia/Tokyo', 'Europe/Paris'], now);
    const zones = (q: string, keep = '') => filterZones(groups, q, keep).flatMap((g) => g.options.map((o) => o.zone));
    assert.deepEqual(zones('new york'), ['America/New_York']);
    assert.deepEqual(zones('KOLK'), ['Asia/Kolkata']);
    assert.deepEqual(zones('+05:30'), ['Asia/Kolkata']);
    assert.deepEqual(zones('asia'), ['Asia/Kolkata', 'Asia/Tokyo']);
    assert.deepEqual(zones('tokyo', 'Europe/Paris'), ['Asia/Tokyo', 'Europe/Paris']);
    assert.equal(zones('').length, 4);
  });

  test('offsets are read from Intl\'s longOffset and written as UTC±hh:mm', () => {
    assert.equal(offsetMinutesOf('GMT+05:30'), 330);
    assert.equal(offsetMinutesOf('GMT-03:00'), -180);
    assert.equal(offsetMinutesOf('GMT'), 0);
    assert.equal(offsetLabel(-570), 'UTC-09:30');
  });
});

describe('field errors in plain words (lib/field-messages.ts)', () => {
  test('validator messages become sentences a person can act on', () => {
    assert.equal(fieldMessage('signup-password', 'body.password must NOT have fewer than 8 characters'), 'At least 8 characters.');
    assert.equal(fieldMessage('quest-name', 'body.name must NOT have more than 120 characters'), 'At most 120 characters.');
    assert.equal(fieldMessage('quest-objective-target', 'body.objective.target must be >= 1'), 'At least 1.');
    assert.equal(fieldMessage('reward-xp', 'body.xp must be integer'), 'Enter a whole number.');
    assert.equal(fieldMessage('quest-name', 'body.name must NOT have fewer than 1 characters'), 'Required.');
    assert.equal(fieldMessage('webhook-events', 'body.events must NOT have fewer than 1 items'), 'Pick at least one.');
  });

  test('a pattern is explained by what the field accepts, never shown', () => {
    assert.match(fieldMessage('quest-key', 'body.key must match pattern "^[a-z0-9]+(-[a-z0-9]+)*$"'), /^Use lower-case letters, digits and -/);
    assert.match(fieldMessage('currency-code', 'body.code must match pattern "^[a-z][a-z0-9_-]*$"'), /^Use lower-case letters/);
    assert.match(fieldMessage('signup-username', 'body.username must match pattern "^[a-zA-Z0-9_.-]+$"'), /^Use letters, digits/);
    assert.equal(fieldMessage('something', 'body.x must match pattern "^a$"'), 'This format is not accepted.');
  });

  test('a message that is not a validator\'s passes through, without its body. prefix', () => {
    assert.equal(fieldMessage('webhook-url', 'body.url must use https'), 'url must use https');
    assert.equal(fieldMessage('x', 'Currency “ruby” already exists'), 'Currency “ruby” already exists');
  });
});
