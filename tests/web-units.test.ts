/**
 * Unit tests of the web app's pure logic (the quest editor's request body and error mapping, the
 * display helpers); the browser tests in web-e2e.test.ts cover the rest.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildQuestBody, emptyQuestForm, formFieldOf, formFromQuest } from '../apps/web/src/pages/admin/quest-form.js';
import { addDays, formatCountdown, plural } from '../apps/web/src/lib/format.js';

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
