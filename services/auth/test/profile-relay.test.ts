import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDatabase, migrateDatabase } from '@questline/platform';
import { createTestDatabase } from '@questline/testkit';
import { findOutboxRows } from '../src/db/outbox.repository.js';
import { MIGRATIONS_DIR, runMigrations } from '../src/db/migrations.js';
import type { AuthDatabase } from '../src/db/schema.js';
import { bearer, loginAdmin, player, signup, startAuth, type Harness, type Tokens } from './support.js';
import { ProgressStandIn, eventually } from './progress-stand-in.js';

let h: Harness;
let admin: Tokens;
const progress = new ProgressStandIn();
before(async () => {
  const url = await progress.listen();
  h = await startAuth({ PROGRESS_URL: url, OUTBOX_POLL_MS: '20' });
  admin = await loginAdmin(h.app);
});
after(async () => {
  await h?.close();
  await progress.close();
});

const profileRows = (userId: string) => findOutboxRows(h.db, userId, 'profile');
const allDelivered = (userId: string) => async () => {
  const rows = await profileRows(userId);
  return rows.length > 0 && rows.every((r) => r.delivered_at !== null) ? rows : undefined;
};
const version = async (userId: string) =>
  (await h.db.selectFrom('users').select('profile_version').where('id', '=', userId).executeTakeFirstOrThrow()).profile_version;
/** The newest profile progress has received for the user. */
const latest = (userId: string) => progress.profilesFor(userId).sort((a, b) => b.version - a.version)[0];

describe('profile updates to progress', () => {
  test('signup sends version 1, the first login (new → active) version 2', async () => {
    const user = await signup(h.app, 'prof_new', 'password-123', 'Asia/Tokyo');
    assert.equal((await profileRows(user.id)).length, 1, 'queued in the signup transaction');
    await eventually(allDelivered(user.id), 'the signup profile');
    assert.deepEqual(progress.profilesFor(user.id)[0], { id: user.id, role: 'player', status: 'new', timezone: 'Asia/Tokyo', version: 1 });
    assert.ok(progress.profiles.every((p) => p.signed), 'every delivery carries a valid internal signature');

    await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'prof_new', password: 'password-123' } });
    await eventually(async () => latest(user.id)?.version === 2, 'the activation');
    assert.equal(latest(user.id)!.status, 'active');
    // A second login changes no profile field: no new update.
    await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'prof_new', password: 'password-123' } });
    assert.equal((await profileRows(user.id)).length, 2);
    assert.equal(await version(user.id), 2);
  });

  test('a ban is queued in the same transaction and reaches progress with a higher version', async () => {
    const p = await player(h.app, 'prof_ban');
    await eventually(allDelivered(p.id), 'earlier profiles');
    const before = await version(p.id);
    const res = await h.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${p.id}`, headers: bearer(admin.accessToken), payload: { status: 'banned' } });
    assert.equal(res.statusCode, 200);
    assert.equal(await version(p.id), before + 1);
    await eventually(async () => latest(p.id)?.status === 'banned', 'the ban at progress');
    assert.deepEqual(latest(p.id), { id: p.id, role: 'player', status: 'banned', timezone: 'UTC', version: before + 1 });
    await h.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${p.id}`, headers: bearer(admin.accessToken), payload: { status: 'active' } });
    await eventually(async () => latest(p.id)?.status === 'active' && latest(p.id)?.version === before + 2, 'the unban');
  });

  test('role and timezone changes are sent; a patch that changes nothing is not', async () => {
    const p = await player(h.app, 'prof_patch');
    await h.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${p.id}`, headers: bearer(admin.accessToken), payload: { role: 'admin' } });
    await eventually(async () => latest(p.id)?.role === 'admin', 'the promotion');
    const patch = (timezone: string) =>
      h.app.inject({ method: 'PATCH', url: '/api/v1/me', headers: bearer(p.accessToken), payload: { timezone } });
    assert.equal((await patch('Europe/Berlin')).statusCode, 200);
    await eventually(async () => latest(p.id)?.timezone === 'Europe/Berlin', 'the timezone');
    const rows = (await profileRows(p.id)).length;
    const v = await version(p.id);
    assert.equal((await patch('Europe/Berlin')).statusCode, 200);
    assert.equal((await profileRows(p.id)).length, rows);
    assert.equal(await version(p.id), v);
    await h.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${p.id}`, headers: bearer(admin.accessToken), payload: { role: 'player' } });
  });

  test('a refused change (last admin) queues nothing', async () => {
    const rows = (await profileRows(admin.user.id)).length;
    const v = await version(admin.user.id);
    const res = await h.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${admin.user.id}`, headers: bearer(admin.accessToken), payload: { status: 'banned' } });
    assert.equal(res.statusCode, 409);
    assert.equal((await profileRows(admin.user.id)).length, rows);
    assert.equal(await version(admin.user.id), v);
  });

  test('while progress answers 404 (route not there yet) updates are retried, and logins still flow', async () => {
    progress.profileRoute = 'missing';
    try {
      const p = await player(h.app, 'prof_404');
      await eventually(async () => (await profileRows(p.id)).some((r) => r.attempts >= 2), 'retries after 404');
      const rows = await profileRows(p.id);
      assert.ok(rows.every((r) => r.delivered_at === null));
      assert.match(rows[0]!.last_error ?? '', /HTTP 404/);
      // The login event of the same user is delivered regardless.
      await eventually(async () => (await findOutboxRows(h.db, p.id, 'login')).every((r) => r.delivered_at !== null), 'the login event');
      const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /^questline_outbox_backlog\{[^}]*relay="profile"[^}]*\} [1-9]\d*$/m);
      progress.profileRoute = 'ok';
      // Backoff after a few failures is a second or two; the update then arrives, newest state.
      await eventually(allDelivered(p.id), 'delivery once progress has the route', 30_000);
      assert.equal(latest(p.id)!.status, 'active');
      assert.equal(latest(p.id)!.version, await version(p.id));
    } finally {
      progress.profileRoute = 'ok';
    }
  });
});

test('the migration announces the users that existed before profile updates', async () => {
  const db = await createTestDatabase('auth_profile_migration');
  const early = await mkdtemp(path.join(tmpdir(), 'auth-migrations-'));
  const direct = createDatabase<AuthDatabase>(db.url, { max: 1 });
  try {
    for (const file of ['001_users.sql', '002_refresh_tokens.sql', '003_ledger.sql', '004_login_outbox.sql']) {
      await cp(path.join(MIGRATIONS_DIR, file), path.join(early, file));
    }
    await migrateDatabase(db.url, early);
    await direct.pool.query(`INSERT INTO users (username, password_hash, status) VALUES ('old_timer', 'x', 'banned')`);
    await runMigrations({ DATABASE_URL: db.url });
    const user = await direct.db.selectFrom('users').selectAll().where('username', '=', 'old_timer').executeTakeFirstOrThrow();
    assert.equal(user.profile_version, 1);
    const rows = await findOutboxRows(direct.db, user.id, 'profile');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.delivered_at, null);
  } finally {
    await direct.close();
    await rm(early, { recursive: true, force: true });
    await db.drop();
  }
});
