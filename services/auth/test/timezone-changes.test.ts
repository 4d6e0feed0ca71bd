import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { ownTimezoneRetryAt, retryAfterSeconds } from '../src/domain/profiles.js';
import { bearer, loginAdmin, player, startAuth, type Harness, type Tokens } from './support.js';

// api.md v1.1 "Timezone changes": a player changes their own timezone at most once per 24 hours;
// an admin may change it at any time, and that is not the player's change.

let h: Harness;
let admin: Tokens;
before(async () => {
  h = await startAuth();
  admin = await loginAdmin(h.app);
});
after(async () => {
  await h?.close();
});

const patchMe = (token: string, timezone: unknown) =>
  h.app.inject({ method: 'PATCH', url: '/api/v1/me', headers: bearer(token), payload: { timezone } as object });
const patchAsAdmin = (userId: string, body: Record<string, unknown>) =>
  h.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${userId}`, headers: bearer(admin.accessToken), payload: body });
const row = (id: string) => h.db.selectFrom('users').select(['timezone', 'timezone_changed_at', 'profile_version']).where('id', '=', id).executeTakeFirstOrThrow();
/** Moves the player's last own change into the past (the wall clock cannot be moved). */
const ageStamp = (id: string, hours: number) =>
  h.db.updateTable('users').set({ timezone_changed_at: sql<Date>`now() - make_interval(hours => ${hours}::int)` }).where('id', '=', id).execute();

function assertTooSoon(res: Awaited<ReturnType<typeof patchMe>>, changedAt: Date) {
  assert.equal(res.statusCode, 409, res.body);
  const { error } = res.json();
  assert.equal(error.code, 'TIMEZONE_CHANGE_TOO_SOON');
  assert.equal(typeof error.requestId, 'string');
  assert.equal(error.retryAt, new Date(changedAt.getTime() + 24 * 3600_000).toISOString());
  assert.match(error.retryAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  const retryAfter = Number(res.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 24 * 3600, `Retry-After ${res.headers['retry-after']}`);
}

describe('PATCH /api/v1/me: once per 24 hours', () => {
  test('a first change is allowed and stamped; a second within 24 h is 409 with retryAt and Retry-After, and changes nothing', async () => {
    const p = await player(h.app, 'tz_twice');
    const first = await patchMe(p.accessToken, 'America/New_York');
    assert.equal(first.statusCode, 200);
    assert.equal(first.json().user.timezone, 'America/New_York');
    const stamped = await row(p.id);
    assert.ok(stamped.timezone_changed_at instanceof Date);

    const second = await patchMe(p.accessToken, 'Asia/Tokyo');
    assertTooSoon(second, stamped.timezone_changed_at!);
    assert.deepEqual(await row(p.id), stamped, 'nothing written: zone, stamp and version as they were');
  });

  test('allowed again once the last change is 24 hours old', async () => {
    const p = await player(h.app, 'tz_later');
    assert.equal((await patchMe(p.accessToken, 'Europe/Paris')).statusCode, 200);
    await ageStamp(p.id, 23);
    assertTooSoon(await patchMe(p.accessToken, 'Asia/Tokyo'), (await row(p.id)).timezone_changed_at!);
    await ageStamp(p.id, 24);
    const res = await patchMe(p.accessToken, 'Asia/Tokyo');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().user.timezone, 'Asia/Tokyo');
    const now = await row(p.id);
    assert.ok(Date.now() - now.timezone_changed_at!.getTime() < 60_000, 'stamped anew');
  });

  test('the same timezone again is a no-op: 200, no stamp, no new version, even right after a change', async () => {
    const p = await player(h.app, 'tz_same');
    const before = await row(p.id);
    const res = await patchMe(p.accessToken, 'UTC');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(await row(p.id), before);
    assert.equal(before.timezone_changed_at, null);

    assert.equal((await patchMe(p.accessToken, 'Asia/Kolkata')).statusCode, 200);
    const changed = await row(p.id);
    assert.equal((await patchMe(p.accessToken, 'Asia/Kolkata')).statusCode, 200);
    assert.deepEqual(await row(p.id), changed);
  });

  test('an invalid timezone is 400 VALIDATION_FAILED and does not use up the change', async () => {
    const p = await player(h.app, 'tz_invalid');
    for (const timezone of ['Mars/Olympus_Mons', '', 42]) {
      const res = await patchMe(p.accessToken, timezone);
      assert.equal(res.statusCode, 400, JSON.stringify(timezone));
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
      assert.equal(res.json().error.field, 'timezone');
    }
    assert.equal((await row(p.id)).timezone_changed_at, null);
    assert.equal((await patchMe(p.accessToken, 'Asia/Tokyo')).statusCode, 200);
  });

  test('two racing changes to different zones: one wins, the other is 409, one version written', async () => {
    for (let round = 0; round < 5; round++) {
      const p = await player(h.app, `tz_race_${round}`);
      const before = await row(p.id);
      const answers = await Promise.all([patchMe(p.accessToken, 'Asia/Tokyo'), patchMe(p.accessToken, 'America/Los_Angeles')]);
      const codes = answers.map((r) => r.statusCode).sort();
      assert.deepEqual(codes, [200, 409], answers.map((r) => r.body).join('\n'));
      const winner = answers.find((r) => r.statusCode === 200)!.json().user.timezone;
      const after = await row(p.id);
      assert.equal(after.timezone, winner);
      assert.equal(after.profile_version, before.profile_version + 1);
      assert.equal(answers.find((r) => r.statusCode === 409)!.json().error.code, 'TIMEZONE_CHANGE_TOO_SOON');
    }
  });
});

describe('admins change timezones at any time', () => {
  test("an admin's change is allowed right after the player's own, and neither sets nor resets the stamp", async () => {
    const p = await player(h.app, 'tz_admin');
    assert.equal((await patchMe(p.accessToken, 'America/New_York')).statusCode, 200);
    const stamped = (await row(p.id)).timezone_changed_at;

    const toTokyo = await patchAsAdmin(p.id, { timezone: 'Asia/Tokyo' });
    assert.equal(toTokyo.statusCode, 200, toTokyo.body);
    assert.equal(toTokyo.json().user.timezone, 'Asia/Tokyo');
    const back = await patchAsAdmin(p.id, { timezone: 'America/New_York' });
    assert.equal(back.statusCode, 200);
    const after = await row(p.id);
    assert.equal(after.timezone, 'America/New_York');
    assert.deepEqual(after.timezone_changed_at, stamped, "the player's stamp is theirs");
    // The player is still bound by their own last change.
    assert.equal((await patchMe(p.accessToken, 'Europe/Paris')).statusCode, 409);
  });

  test("an admin's change does not use up the player's change", async () => {
    const p = await player(h.app, 'tz_admin_first');
    assert.equal((await patchAsAdmin(p.id, { timezone: 'Asia/Tokyo' })).statusCode, 200);
    assert.equal((await row(p.id)).timezone_changed_at, null);
    assert.equal((await patchMe(p.accessToken, 'Europe/Paris')).statusCode, 200);
  });

  test('an admin patch with an unknown zone is 400 naming timezone', async () => {
    const p = await player(h.app, 'tz_admin_bad');
    const res = await patchAsAdmin(p.id, { timezone: 'Nowhere/City' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.field, 'timezone');
  });
});

describe('retryAt and Retry-After (pure)', () => {
  test('retryAt is the last change plus 24 hours; Retry-After rounds up and is at least 1 second', () => {
    const changed = new Date('2026-03-01T22:30:00.250Z');
    assert.equal(ownTimezoneRetryAt(changed).toISOString(), '2026-03-02T22:30:00.250Z');
    assert.equal(retryAfterSeconds(new Date('2026-03-02T22:30:00.250Z'), new Date('2026-03-02T22:29:58.900Z')), 2);
    assert.equal(retryAfterSeconds(new Date('2026-03-02T22:30:00Z'), new Date('2026-03-02T22:30:00Z')), 1);
    assert.equal(retryAfterSeconds(new Date('2026-03-02T22:30:00Z'), new Date('2026-03-01T22:30:00Z')), 86_400);
  });
});
