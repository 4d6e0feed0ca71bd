/**
 * Unit tests of the web app's live stream logic (lib/live-events.ts): parsing the stream's events,
 * applying views and rewards to the page's state, the toasts, the reconnect schedule and the
 * instant a page must refetch; the browser tests in web-live-e2e.test.ts run it for real.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyQuestView,
  applyReward,
  BACKOFF_MAX_MS,
  backoffDelay,
  MAX_TOASTS,
  nextPeriodEnd,
  parseStreamEvent,
  pushToast,
  toastsFor,
  type StreamEvent,
  type Toast,
} from '../apps/web/src/lib/live-events.js';
import type { LedgerEntry, QuestView, User } from '../apps/web/src/api/types.js';

describe('live stream', () => {
  const view = (key: string, over: Partial<QuestView> = {}): QuestView => ({
    quest: { key, name: key === 'daily-login' ? 'Daily Login' : `Quest ${key}`, description: '', tags: [] },
    status: 'active',
    progress: 0,
    target: 1,
    completions: 0,
    maxCompletions: null,
    streak: null,
    periodEndsAt: null,
    claimable: 0,
    objective: { event: 'login', mode: 'count', target: 1 },
    reward: { name: '10 gold', items: [{ currency: 'gold', amount: 10 }], xp: 0, badge: null },
    lockedBy: [],
    startsAt: null,
    endsAt: null,
    reportable: false,
    ...over,
  });
  const user: User = {
    id: 'u1',
    username: 'ada',
    externalId: null,
    role: 'player',
    status: 'active',
    timezone: 'UTC',
    balances: { gold: 10, diamond: 0 },
    xp: 0,
    badges: [],
    createdAt: '2026-01-01T00:00:00Z',
    lastLoginAt: null,
  };
  const entry = (over: Partial<LedgerEntry> = {}): LedgerEntry => ({
    id: 'e1',
    userId: 'u1',
    currency: 'gold',
    amount: 10,
    reason: 'quest',
    source: { type: 'quest', questKey: 'daily-login', completion: 2 },
    createdAt: '2026-01-01T00:00:00Z',
    ...over,
  });

  test('events are parsed by name; unknown names and malformed bodies are ignored', () => {
    const quests = [view('a')];
    assert.deepEqual(parseStreamEvent('snapshot', JSON.stringify({ user, quests })), { type: 'snapshot', user, quests });
    assert.deepEqual(parseStreamEvent('snapshot', JSON.stringify({ user, quests: { items: quests } })), { type: 'snapshot', user, quests }, 'a {items} wrapper');
    assert.deepEqual(parseStreamEvent('quest', JSON.stringify(quests[0])), { type: 'quest', view: quests[0] });
    assert.deepEqual(parseStreamEvent('quests', JSON.stringify({ quests })), { type: 'quests', quests }, 'the whole list again');
    assert.deepEqual(parseStreamEvent('quests', JSON.stringify({ quests: [] })), { type: 'quests', quests: [] }, 'an empty list is a list');
    assert.equal(parseStreamEvent('quests', JSON.stringify({ quests: [{ status: 'active' }] })), undefined);
    assert.deepEqual(parseStreamEvent('reward', JSON.stringify({ entry: entry(), balances: { gold: 20 } })), { type: 'reward', entry: entry(), balances: { gold: 20 } });
    assert.deepEqual(parseStreamEvent('user', JSON.stringify(user)), { type: 'user', user });
    assert.equal(parseStreamEvent('message', JSON.stringify(user)), undefined);
    assert.equal(parseStreamEvent('quest', '{not json'), undefined);
    assert.equal(parseStreamEvent('quest', JSON.stringify({ status: 'active' })), undefined);
    assert.equal(parseStreamEvent('snapshot', JSON.stringify({ user })), undefined);
  });

  test('a quest event replaces its view in place; a new key is appended; the rest is untouched', () => {
    const list = [view('a'), view('b'), view('c')];
    const changed = applyQuestView(list, view('b', { status: 'completed', completions: 1 }));
    assert.deepEqual(changed.map((v) => `${v.quest.key}:${v.status}`), ['a:active', 'b:completed', 'c:active']);
    assert.equal(changed[0], list[0]);
    assert.equal(list[1]!.status, 'active', 'the old list is not changed');
    assert.deepEqual(applyQuestView(list, view('d')).map((v) => v.quest.key), ['a', 'b', 'c', 'd']);
  });

  test('a reward event carries the new balances', () => {
    assert.deepEqual(applyReward(user, { gold: 20, diamond: 5 }), { ...user, balances: { gold: 20, diamond: 5 } });
  });

  test('toasts: a completion (completions rose) and a credit; not a claim, the snapshot, a debit or a new quest', () => {
    const before = [view('daily-login', { status: 'completed', completions: 1 }), view('walk', { status: 'claimable', completions: 1, claimable: 1 })];
    const completed: StreamEvent = { type: 'quest', view: view('daily-login', { status: 'completed', completions: 2 }) };
    assert.deepEqual(toastsFor(completed, before), [{ kind: 'quest', text: 'Quest complete: Daily Login' }]);
    const madeClaimable: StreamEvent = { type: 'quest', view: view('x', { status: 'claimable', completions: 1, claimable: 1 }) };
    assert.equal(toastsFor(madeClaimable, [...before, view('x')]).length, 1);
    const claimed: StreamEvent = { type: 'quest', view: view('walk', { status: 'completed', completions: 1, claimable: 0 }) };
    assert.deepEqual(toastsFor(claimed, before), [], 'a claim is not a completion');
    assert.deepEqual(toastsFor({ type: 'quest', view: view('new') }, before), [], 'a newly listed quest');
    assert.deepEqual(toastsFor({ type: 'snapshot', user, quests: [view('daily-login', { completions: 5 })] }, before), []);
    const list = { type: 'quests' as const, quests: [view('daily-login', { completions: 2 }), view('x')] };
    assert.deepEqual(toastsFor(list, before), [{ kind: 'quest', text: 'Quest complete: Daily Login' }], 'a completion inside a whole list');
    assert.deepEqual(toastsFor({ type: 'reward', entry: entry(), balances: { gold: 0, diamond: 0 } }, before), [
      { kind: 'reward', text: 'Reward: +10 gold', items: [{ currency: 'gold', amount: 10 }], group: 'quest:daily-login:2' },
    ]);
    assert.deepEqual(toastsFor({ type: 'reward', entry: entry({ amount: -4 }), balances: { gold: 0, diamond: 0 } }, before), [], 'a debit');
    const grant = toastsFor({ type: 'reward', entry: entry({ source: { type: 'admin' } }), balances: { gold: 0, diamond: 0 } }, before);
    assert.deepEqual(grant, [{ kind: 'reward', text: 'Reward: +10 gold', items: [{ currency: 'gold', amount: 10 }] }], 'a manual grant');
    assert.deepEqual(toastsFor({ type: 'user', user }, before), []);
  });

  test('toasts: the entries of one completion merge; no more than three are shown, the oldest goes first', () => {
    const reward = (currency: string, amount: number, group = 'quest:walk:1') => ({ kind: 'reward' as const, text: `+${amount}`, items: [{ currency, amount }], group });
    let shown: Toast[] = [];
    shown = pushToast(shown, { kind: 'quest', text: 'Quest complete: Walk' }, 1);
    shown = pushToast(shown, reward('gold', 25), 2);
    shown = pushToast(shown, reward('diamond', 5), 3);
    assert.deepEqual(shown.map((t) => [t.id, t.text]), [
      [1, 'Quest complete: Walk'],
      [2, 'Reward: +25 gold, +5 diamond'],
    ]);
    for (let id = 4; id <= 7; id++) shown = pushToast(shown, { kind: 'quest', text: `Quest complete: ${id}` }, id);
    assert.equal(shown.length, MAX_TOASTS);
    assert.deepEqual(shown.map((t) => t.id), [5, 6, 7]);
    shown = pushToast(shown, reward('gold', 1, 'quest:walk:2'), 8);
    assert.deepEqual(shown.map((t) => t.id), [6, 7, 8], 'another completion is another toast');
  });

  test('reconnect backoff: 1 s doubling to 30 s, jittered between half and all of it', () => {
    const low = () => 0;
    const high = () => 0.999999;
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 50].map((a) => backoffDelay(a, high)), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    assert.deepEqual([0, 1, 2, 5].map((a) => backoffDelay(a, low)), [500, 1000, 2000, 15000]);
    for (let a = 0; a < 12; a++) {
      const d = backoffDelay(a);
      assert.ok(d >= 500 && d <= BACKOFF_MAX_MS, `attempt ${a}: ${d}`);
    }
  });

  test('the next period end is the earliest one still ahead', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    const list = [
      view('a', { periodEndsAt: '2026-03-02T00:00:00Z' }),
      view('b', { periodEndsAt: '2026-03-01T11:00:00Z' }),
      view('c', { periodEndsAt: '2026-03-01T18:00:00Z' }),
      view('d'),
    ];
    assert.equal(nextPeriodEnd(list, now), Date.parse('2026-03-01T18:00:00Z'));
    assert.equal(nextPeriodEnd([view('d')], now), undefined);
    assert.equal(nextPeriodEnd([view('s', { startsAt: '2026-03-01T13:00:00Z' }), view('e', { endsAt: '2026-03-01T14:00:00Z' })], now), Date.parse('2026-03-01T13:00:00Z'), 'a scheduled quest opening');
    assert.equal(nextPeriodEnd([view('e', { startsAt: '2026-02-01T00:00:00Z', endsAt: '2026-03-01T14:00:00Z' })], now), Date.parse('2026-03-01T14:00:00Z'), 'or closing');
  });
});
