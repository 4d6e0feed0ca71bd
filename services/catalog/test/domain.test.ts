import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDefinition, checkPrerequisites, definitionChanged, transition, versionAfterEdit, type Quest, type QuestDefinitionInput } from '../src/domain/quest.js';
import { checkReward, normalizeReward } from '../src/domain/reward.js';
import { bodyEtag, etagMatches } from '../src/domain/etag.js';
import { canonicalJson } from '../src/domain/text.js';

const input = (extra: Partial<QuestDefinitionInput> = {}): QuestDefinitionInput => ({
  name: 'Win three',
  objective: { event: 'match.won', mode: 'count', target: 3 },
  rewardId: '5e0d0000-0000-4000-8000-000000000001',
  ...extra,
});

describe('buildDefinition', () => {
  test('applies the documented defaults', () => {
    const result = buildDefinition('win-three', input());
    assert.ok(result.ok);
    assert.deepEqual(result.value, {
      key: 'win-three',
      name: 'Win three',
      description: '',
      tags: [],
      objective: { event: 'match.won', mode: 'count', target: 3 },
      rewardId: '5e0d0000-0000-4000-8000-000000000001',
      autoClaim: false,
      maxCompletions: null,
      repeat: 'none',
      startsAt: null,
      endsAt: null,
      prerequisites: [],
    });
  });

  test('normalises schedule instants to UTC', () => {
    const result = buildDefinition('k', input({ startsAt: '2030-01-01T02:00:00+02:00', endsAt: '2030-01-02T00:00:00Z' }));
    assert.ok(result.ok);
    assert.equal(result.value.startsAt, '2030-01-01T00:00:00.000Z');
    assert.equal(result.value.endsAt, '2030-01-02T00:00:00.000Z');
  });

  const rejects: Array<[string, string, QuestDefinitionInput, string]> = [
    ['bad key', 'Bad_Key', input(), 'key'],
    ['endsAt before startsAt', 'k', input({ startsAt: '2030-01-02T00:00:00Z', endsAt: '2030-01-01T00:00:00Z' }), 'endsAt'],
    ['endsAt equal to startsAt', 'k', input({ startsAt: '2030-01-01T00:00:00Z', endsAt: '2030-01-01T00:00:00Z' }), 'endsAt'],
    ['instant out of range', 'k', input({ startsAt: '0000-01-01T00:00:00Z' }), 'startsAt'],
    ['streak repeating daily', 'k', input({ objective: { event: 'login', mode: 'streak', target: 3 }, repeat: 'daily' }), 'repeat'],
    ['weekly streak over 7 days', 'k', input({ objective: { event: 'login', mode: 'streak', target: 8 }, repeat: 'weekly' }), 'repeat'],
  ];
  for (const [name, key, body, field] of rejects) {
    test(`rejects ${name}`, () => {
      const result = buildDefinition(key, body);
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.equal(result.failure.code, 'VALIDATION_FAILED');
        assert.equal(result.failure.field, field);
      }
    });
  }

  test('accepts a weekly streak of at most 7 days', () => {
    assert.ok(buildDefinition('k', input({ objective: { event: 'login', mode: 'streak', target: 7 }, repeat: 'weekly' })).ok);
  });
});

describe('checkPrerequisites', () => {
  const graph = new Map<string, string[]>([
    ['a', []],
    ['b', ['a']],
    ['c', ['b']],
  ]);
  const codeOf = (r: ReturnType<typeof checkPrerequisites>) => (r.ok ? 'OK' : r.failure.code);

  test('accepts existing, acyclic prerequisites', () => {
    assert.equal(codeOf(checkPrerequisites('d', ['c', 'a'], graph)), 'OK');
    assert.equal(codeOf(checkPrerequisites('c', ['a'], graph)), 'OK');
  });
  test('rejects unknown keys', () => {
    const r = checkPrerequisites('d', ['a', 'nope'], graph);
    assert.equal(codeOf(r), 'UNKNOWN_PREREQUISITE');
    assert.equal(r.ok ? undefined : r.failure.field, 'prerequisites');
  });
  test('rejects a self reference as a cycle', () => {
    assert.equal(codeOf(checkPrerequisites('d', ['d'], graph)), 'PREREQUISITE_CYCLE');
    assert.equal(codeOf(checkPrerequisites('a', ['a'], graph)), 'PREREQUISITE_CYCLE');
  });
  test('rejects a longer cycle through existing edges', () => {
    assert.equal(codeOf(checkPrerequisites('a', ['c'], graph)), 'PREREQUISITE_CYCLE');
  });
});

describe('versions and transitions', () => {
  const quest = (status: Quest['status'], version = 1): Quest => {
    const def = buildDefinition('k', input());
    assert.ok(def.ok);
    return { ...def.value, id: 'x', status, version, createdAt: '', updatedAt: '' };
  };
  test('only non-drafts get a new version, and only on a real change', () => {
    assert.equal(versionAfterEdit(quest('draft'), true), 1);
    assert.equal(versionAfterEdit(quest('published', 2), true), 3);
    assert.equal(versionAfterEdit(quest('archived', 2), true), 3);
    assert.equal(versionAfterEdit(quest('published', 2), false), 2);
  });
  test('definitionChanged ignores key order in the objective', () => {
    const a = quest('draft');
    const b = { ...a, objective: { target: 3, mode: 'count' as const, event: 'match.won' } };
    assert.equal(definitionChanged(a, b), false);
    assert.equal(definitionChanged(a, { ...a, name: 'other' }), true);
  });
  test('transition is a no-op when the status is already the target', () => {
    assert.deepEqual(transition('draft', 'publish'), { status: 'published', changed: true });
    assert.deepEqual(transition('archived', 'publish'), { status: 'published', changed: true });
    assert.deepEqual(transition('published', 'publish'), { status: 'published', changed: false });
    assert.deepEqual(transition('published', 'archive'), { status: 'archived', changed: true });
  });
});

describe('rewards', () => {
  const known = new Set(['gold', 'diamond']);
  test('defaults xp and badge', () => {
    assert.deepEqual(normalizeReward({ name: 'r', items: [{ currency: 'gold', amount: 1 }] }), {
      name: 'r',
      items: [{ currency: 'gold', amount: 1 }],
      xp: 0,
      badge: null,
    });
  });
  test('rejects unknown and repeated currencies', () => {
    const unknown = checkReward(normalizeReward({ name: 'r', items: [{ currency: 'gold', amount: 1 }, { currency: 'ruby', amount: 1 }] }), known);
    assert.deepEqual(unknown.ok ? null : [unknown.failure.code, unknown.failure.field], ['UNKNOWN_CURRENCY', 'items.1.currency']);
    const twice = checkReward(normalizeReward({ name: 'r', items: [{ currency: 'gold', amount: 1 }, { currency: 'gold', amount: 2 }] }), known);
    assert.deepEqual(twice.ok ? null : [twice.failure.code, twice.failure.field], ['VALIDATION_FAILED', 'items.1.currency']);
  });
});

describe('helpers', () => {
  test('etagMatches handles lists, weak tags and *', () => {
    const tag = bodyEtag({ a: 1 });
    assert.equal(tag, bodyEtag({ a: 1 }));
    assert.notEqual(tag, bodyEtag({ a: 2 }));
    assert.equal(etagMatches(tag, tag), true);
    assert.equal(etagMatches(`"other", W/${tag}`, tag), true);
    assert.equal(etagMatches('*', tag), true);
    assert.equal(etagMatches('"other"', tag), false);
    assert.equal(etagMatches(undefined, tag), false);
  });
  test('canonicalJson sorts object keys', () => {
    assert.equal(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] }), '{"a":[{"c":2,"d":1}],"b":1}');
  });
});
