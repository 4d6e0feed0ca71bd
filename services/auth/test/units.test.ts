import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs } from '@questline/platform';
import { OUTBOX_BACKOFF } from '../src/domain/retry.js';
import { isKeysetCursor, toUserView } from '../src/domain/users.js';
import { leavesNoAdmin, removesAdmin } from '../src/domain/admin-users.js';
import { adminGrantKey, grantRequestHash, toLedgerEntryView, type GrantInput } from '../src/domain/grants.js';
import { accessTokenClaims, hashRefreshToken, newRefreshToken } from '../src/domain/tokens.js';

describe('outbox backoff', () => {
  test('from 250 ms, doubling, capped at 30 s', () => {
    const noJitter = (n: number) => backoffMs(n, OUTBOX_BACKOFF, () => 0);
    assert.deepEqual([1, 2, 3].map(noJitter), [250, 500, 1000]);
    assert.equal(noJitter(8), 30_000);
    assert.equal(noJitter(1000), 30_000);
  });
});

describe('isKeysetCursor', () => {
  const id = '0b8f6f2e-6a55-4c1d-9a77-3f1f0d5c2b10';
  test('accepts [microsecond timestamp, uuid]', () => {
    assert.equal(isKeysetCursor(['2024-05-01T10:20:30.123456Z', id]), true);
    assert.equal(isKeysetCursor(['1970-01-01T00:00:00.000000Z', id]), true);
    assert.equal(isKeysetCursor(['9999-12-31T23:59:59.999999Z', id]), true);
  });
  test('rejects anything the database would choke on', () => {
    for (const value of [
      null,
      'x',
      [],
      ['2024-05-01T10:20:30.123456Z'],
      ['2024-02-30T10:20:30.123456Z', id],
      ['2024-05-01T25:20:30.123456Z', id],
      ['2024-05-01', id],
      ['2024-05-01T10:20:30.123456Z', 'not-a-uuid'],
      ['2024-05-01T10:20:30.123456Z', id, 'extra'],
      // Real-looking instants no row of ours can have; year 0000 is refused by timestamptz itself.
      ['0000-01-01T00:00:00.000000Z', '00000000-0000-4000-8000-000000000000'],
      ['0001-01-01T00:00:00.000000Z', id],
      ['1969-12-31T23:59:59.999999Z', id],
    ]) {
      assert.equal(isKeysetCursor(value), false, JSON.stringify(value));
    }
  });
});

describe('removesAdmin', () => {
  test('only demoting or banning a working admin counts', () => {
    assert.equal(removesAdmin({ role: 'admin', status: 'active' }, { role: 'player' }), true);
    assert.equal(removesAdmin({ role: 'admin', status: 'active' }, { status: 'banned' }), true);
    assert.equal(removesAdmin({ role: 'admin', status: 'active' }, { role: 'admin' }), false);
    assert.equal(removesAdmin({ role: 'admin', status: 'banned' }, { role: 'player' }), false);
    assert.equal(removesAdmin({ role: 'player', status: 'active' }, { status: 'banned' }), false);
  });
});

describe('leavesNoAdmin', () => {
  const admin = { id: 'a1', role: 'admin', status: 'active' } as const;
  test('refuses removing the only working admin, allows it when another remains', () => {
    assert.equal(leavesNoAdmin(admin, { role: 'player' }, ['a1']), true);
    assert.equal(leavesNoAdmin(admin, { status: 'banned' }, []), true);
    assert.equal(leavesNoAdmin(admin, { role: 'player' }, ['a1', 'a2']), false);
    assert.equal(leavesNoAdmin(admin, { status: 'active' }, ['a1']), false, 'not a removal');
    assert.equal(leavesNoAdmin({ id: 'p1', role: 'player', status: 'active' }, { status: 'banned' }, ['a1']), false);
  });
});

describe('user view', () => {
  test('always shows gold and diamond, plus every held currency', () => {
    const view = toUserView(
      {
        id: 'u1',
        username: 'a',
        password_hash: 'secret',
        external_id: 'ext-1',
        role: 'player',
        status: 'new',
        timezone: 'UTC',
        xp: 0,
        badges: [],
        created_at: new Date('2024-01-01T00:00:00Z'),
        last_login_at: null,
        profile_version: 1,
      },
      { gems: 4, gold: 2 },
    );
    assert.deepEqual(view.balances, { gold: 2, diamond: 0, gems: 4 });
    assert.equal(view.createdAt, '2024-01-01T00:00:00.000Z');
    assert.equal('password_hash' in view, false);
    assert.equal(view.externalId, 'ext-1');
  });
});

describe('keys and tokens', () => {
  test('admin grant keys cannot collide with quest keys or other users', () => {
    assert.notEqual(adminGrantKey('u1', 'k'), adminGrantKey('u2', 'k'));
    assert.ok(!adminGrantKey('u1', 'quest:u1:q:1').startsWith('quest:'));
  });

  test('refresh tokens are random and stored only as their hash', () => {
    const a = newRefreshToken();
    const b = newRefreshToken();
    assert.notEqual(a.token, b.token);
    assert.equal(a.hash, hashRefreshToken(a.token));
    assert.notEqual(a.hash, a.token);
    assert.match(a.token, /^[A-Za-z0-9_-]{43}$/);
  });
});

describe('grants', () => {
  const grant: GrantInput = {
    userId: 'u1',
    idempotencyKey: 'k1',
    items: [{ currency: 'gold', amount: 10 }],
    xp: 0,
    badge: null,
    reason: 'thanks',
    source: { type: 'admin' },
    grantedBy: 'admin-1',
    actor: 'user:admin-1',
  };
  test('the request hash covers what is paid, not the key or who ordered it', () => {
    assert.equal(grantRequestHash(grant), grantRequestHash({ ...grant, idempotencyKey: 'k2', grantedBy: 'admin-2', actor: 'key:k-2' }));
    assert.notEqual(grantRequestHash(grant), grantRequestHash({ ...grant, items: [{ currency: 'gold', amount: 11 }] }));
    assert.notEqual(grantRequestHash(grant), grantRequestHash({ ...grant, reason: 'other' }));
    assert.notEqual(grantRequestHash(grant), grantRequestHash({ ...grant, userId: 'u2' }));
  });

  test('a ledger entry shows questKey and completion only when it has them', () => {
    const row = {
      id: 'e1',
      user_id: 'u1',
      currency: 'gold',
      amount: 10,
      reason: 'thanks',
      source_type: 'admin' as const,
      quest_key: null,
      completion: null,
      created_at: new Date('2024-01-01T00:00:00Z'),
    };
    assert.deepEqual(toLedgerEntryView(row), {
      id: 'e1',
      userId: 'u1',
      currency: 'gold',
      amount: 10,
      reason: 'thanks',
      source: { type: 'admin' },
      createdAt: '2024-01-01T00:00:00.000Z',
    });
    assert.deepEqual(toLedgerEntryView({ ...row, source_type: 'quest', quest_key: 'daily-login', completion: 3 }).source, {
      type: 'quest',
      questKey: 'daily-login',
      completion: 3,
    });
  });
});

describe('access token claims', () => {
  test('carry role, status and time zone (as tz)', () => {
    assert.deepEqual(accessTokenClaims({ id: 'u1', role: 'admin', status: 'active', timezone: 'Asia/Tokyo' }), {
      role: 'admin',
      status: 'active',
      tz: 'Asia/Tokyo',
    });
  });
});
