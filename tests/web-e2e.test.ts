/**
 * The web app in a real headless Chromium (Debian's, driven by playwright-core) against the four
 * real services: a player and an admin going through the seed's story (through a ban, an unban and
 * an archived quest, with a page's loading and error states on the way). The live stream is in
 * web-live-e2e, the admin area in web-admin-e2e, keyboard and small screens in web-a11y-e2e.
 * Screenshots of every step land in test-results/screenshots/ (1280 px and 375 px, light and dark).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { apiClient, eventually } from '@questline/testkit';
import { declarePlayerReportable } from './event-types-support.js';
import { adminNav, apiPath, balanceOf, confirmDialog, failRequests, holdRequests, screenshot, textOf, waitForAttr, waitForText, webSuite } from './web-support.js';

// Names that exist in the page, where page.evaluate runs these functions (this file is type-checked
// without the DOM library, like the rest of the repository).
declare const document: { activeElement: { id: string } | null; documentElement: { scrollWidth: number; clientWidth: number } };
declare const localStorage: { getItem(key: string): string | null };

const password = 'correct-horse-battery';

const web = webSuite('web', async (stack) => {
  // The quest the admin creates below counts dog_walked, which players report from the web app's
  // Record button: a type players may report must be declared (api.md v1.1).
  const http = apiClient(stack.gateway);
  const adminToken = (await http('POST', '/api/v1/auth/login', { body: stack.admin })).body.accessToken as string;
  await declarePlayerReportable(http, adminToken, ['dog_walked']);
});

describe('a player and an admin, end to end', () => {
  const username = `ada_${randomBytes(3).toString('hex')}`;
  let player: Page;
  let admin: Page;

  test('sign up (timezone from the browser), log in, and the daily-login reward shows 10 gold', async () => {
    player = await web.newPage({ timezoneId: 'Europe/Paris' });
    await player.goto(`${web.base}/`);
    await player.waitForURL('**/login');
    await screenshot(player, 'login');
    await player.getByRole('link', { name: 'Create an account' }).click();
    // Both wrong fields are named at once, in plain words.
    await player.getByLabel('Username').fill('x');
    await player.getByLabel('Password').fill('short');
    await player.getByRole('button', { name: 'Create account' }).click();
    assert.equal(await textOf(player.locator('[data-field-error=signup-password]')), 'At least 8 characters.');
    assert.equal(await textOf(player.locator('[data-field-error=signup-username]')), 'At least 3 characters.');
    await player.getByLabel('Username').fill(username);
    await player.getByLabel('Password').fill(password);
    assert.equal(await player.getByLabel('Timezone').inputValue(), 'Europe/Paris', 'the browser’s timezone is the default');
    await screenshot(player, 'signup');
    await player.getByRole('button', { name: 'Create account' }).click();

    await player.waitForURL(/\/login\?created=1/);
    assert.equal(await player.getByLabel('Username').inputValue(), username);
    await player.getByLabel('Password').fill(password);
    await player.getByRole('button', { name: 'Log in' }).click();
    await player.waitForURL('**/quests');
    // A newcomer is told how the page works.
    assert.match(await textOf(player.getByTestId('welcome')), new RegExp(`^Welcome, ${username}!`));

    // The reward is paid asynchronously; it arrives on the page's live stream.
    await waitForText(balanceOf(player, 'gold'), '10');
    assert.equal(await textOf(balanceOf(player, 'diamond')), '0');
    assert.equal(await player.locator('[data-testid=balances] [data-balance=gold] [role=img]').getAttribute('aria-label'), 'gold');

    const daily = player.locator('[data-group=completed] [data-quest=daily-login]');
    await daily.waitFor();
    assert.match(await textOf(daily.locator('.countdown')), /Period ends in \d+h \d\dm \d\ds|Period ends in \d+m \d\ds/);
    const streak = player.locator('[data-group=active] [data-quest=sign-in-three-times]');
    const bar = streak.getByRole('progressbar', { name: 'Sign in three times progress' });
    assert.equal(await bar.getAttribute('aria-valuenow'), '1');
    assert.equal(await bar.getAttribute('aria-valuemax'), '3');
    assert.equal(await textOf(streak.getByTestId('streak-current')), '1 day');
    assert.equal(await streak.locator('.day-done').count(), 1);
    await screenshot(player, 'player-quests');
  });

  test('an admin creates a reward and a quest (API validation errors shown at the field), then publishes it', async () => {
    admin = await web.newPage();
    await web.uiLogin(admin, web.stack.admin.username, web.stack.admin.password);
    await adminNav(admin, 'Rewards');
    await admin.getByLabel('Name').fill('Dog treat');
    await admin.getByLabel('Amount 1').fill('25');
    await admin.getByRole('button', { name: 'Add item' }).click();
    await admin.getByLabel('Currency 2').fill('diamond');
    await admin.getByLabel('Amount 2').fill('5');
    await admin.getByRole('button', { name: 'Create reward' }).click();
    await admin.locator('[data-reward="Dog treat"]').waitFor();
    await screenshot(admin, 'admin-rewards');

    await adminNav(admin, 'Quests');
    await admin.locator('[data-quest=daily-login]').waitFor();
    await admin.getByLabel('Status').selectOption('draft');
    await admin.getByText('No quests with status draft').waitFor();
    await admin.getByRole('link', { name: 'New quest' }).click();
    await admin.getByLabel('Key').fill('Walk The Dog!');
    await admin.getByLabel('Name').fill('Walk the dog');
    await admin.getByLabel('Description').fill('Three walks and the dog is happy.');
    await admin.getByLabel('Event type').fill('dog_walked');
    await admin.getByLabel('Target').fill('3');
    await admin.getByLabel('Target').fill('0');
    assert.match(await textOf(admin.getByTestId('reward-pays')), /^No reward chosen yet/, 'no reward is picked for the admin');
    await admin.getByRole('button', { name: 'Create draft' }).click();

    // Every wrong field at once, each in plain words next to it.
    const keyError = admin.locator('[data-field-error=quest-key]');
    assert.match(await textOf(keyError), /^Use lower-case letters, digits and -/, 'the API’s message, in plain words, is shown under the key');
    assert.doesNotMatch(await textOf(keyError), /pattern|must/, 'never the validator’s words');
    assert.equal(await textOf(admin.locator('[data-field-error=quest-objective-target]')), 'At least 1.');
    assert.equal(await textOf(admin.locator('[data-field-error=quest-rewardId]')), 'Choose the reward this quest pays.');
    assert.equal(await admin.getByLabel('Key').getAttribute('aria-invalid'), 'true');
    assert.equal(await admin.evaluate(() => document.activeElement?.id), 'quest-key', 'focus goes to the first field to fix');
    await screenshot(admin, 'admin-quest-form-error');

    await admin.getByLabel('Reward', { exact: true }).selectOption({ label: 'Dog treat (25 gold + 5 diamond)' });
    assert.match(await textOf(admin.getByTestId('reward-pays')), /^Each completion pays \+25 gold, \+5 diamond\./);
    // Prerequisites are picked by name, from a filtered list.
    await admin.getByRole('searchbox', { name: 'Find a prerequisite quest' }).fill('daily');
    await admin.getByRole('checkbox', { name: /Daily Login/ }).waitFor();
    assert.equal(await admin.getByRole('checkbox', { name: /Sign in three times/ }).count(), 0, 'filtered out');
    await admin.getByLabel('Key').fill('walk-the-dog');
    await admin.getByRole('button', { name: 'Create draft' }).click();
    assert.equal(await textOf(admin.locator('[data-field-error=quest-objective-target]')), 'At least 1.');
    assert.equal(await admin.locator('[data-field-error=quest-key]').count(), 0);
    assert.equal(await admin.locator('[data-field-error=quest-rewardId]').count(), 0);

    await admin.getByLabel('Target').fill('3');
    await admin.getByRole('button', { name: 'Create draft' }).click();
    await admin.waitForURL('**/admin/quests?saved=walk-the-dog');
    const row = admin.locator('[data-quest=walk-the-dog]');
    await waitForText(row.locator('.badge'), 'draft');
    await row.getByRole('button', { name: 'Publish walk-the-dog' }).click();
    await confirmDialog(admin, 'Publish “Walk the dog”?', /Players see walk-the-dog within seconds/, 'Publish');
    await waitForText(row.locator('.badge'), 'published');

    // Editing a published quest makes a new version.
    await row.getByRole('link', { name: 'Edit walk-the-dog' }).click();
    assert.equal(await admin.getByLabel('Name').inputValue(), 'Walk the dog', 'the form is filled from the quest');
    await admin.getByLabel('Description').fill('Three walks and the dog is very happy.');
    await admin.getByRole('button', { name: 'Save changes' }).click();
    await admin.waitForURL('**/admin/quests?saved=walk-the-dog');
    assert.match(await textOf(row.locator('p')), /published v2/);
    await admin.getByLabel('Status').selectOption('published');
    await row.waitFor();
    assert.equal(await admin.locator('.admin-item .badge-draft').count(), 0, 'the filter shows published quests only');
    await screenshot(admin, 'admin-quests');
  });

  test('the player sees the new quest, each action raises the bar, the claim pays at once, the ledger shows it', async () => {
    const card = player.locator('[data-quest=walk-the-dog]');
    // Progress polls the catalog (2 s) and sends the new list on the page's stream (a `quests` event).
    await card.waitFor({ timeout: 20_000 });
    const bar = card.getByRole('progressbar', { name: 'Walk the dog progress' });
    assert.equal(await bar.getAttribute('aria-valuenow'), '0');
    assert.equal(await bar.getAttribute('aria-valuemax'), '3');
    // The card says in plain words what to do and what it pays (the view carries both).
    assert.equal(await textOf(card.locator('[data-testid=quest-objective]')), 'To do: “dog walked” 3 times');
    assert.match(await textOf(card.locator('[data-testid=quest-reward]')), /^Pays \+25 gold, \+5 diamond/);
    for (const n of ['1', '2']) {
      await card.getByRole('button', { name: 'Record “dog walked”' }).click();
      await waitForAttr(bar, 'aria-valuenow', n);
    }
    await screenshot(player, 'player-progress');
    await card.getByRole('button', { name: 'Record “dog walked”' }).click();
    const claimable = player.locator('[data-group=claimable] [data-quest=walk-the-dog]');
    await claimable.waitFor();
    await screenshot(player, 'player-claimable');

    // Every balance that is marked as rising (the short animation of a payment) is noted.
    await player.evaluate(() => {
      const g = globalThis as unknown as { rose: string[]; MutationObserver: new (cb: (records: Array<{ target: { getAttribute(n: string): string | null } }>) => void) => { observe(node: unknown, opts: unknown): void }; document: { body: unknown } };
      g.rose = [];
      new g.MutationObserver((records) => {
        for (const r of records) if (r.target.getAttribute('data-rising') === 'true') g.rose.push(r.target.getAttribute('data-balance') ?? '');
      }).observe(g.document.body, { subtree: true, attributes: true, attributeFilter: ['data-rising'] });
    });
    await claimable.getByRole('button', { name: 'Claim Walk the dog' }).click();
    // At once: the claim's answer raises the balances before the payment lands in /me.
    await waitForText(balanceOf(player, 'gold'), '35', 3000);
    await waitForText(balanceOf(player, 'diamond'), '5', 3000);
    assert.match(await textOf(card.locator('.card-message')), /Claimed \+25 gold, \+5 diamond/);
    const rose = await player.evaluate(() => (globalThis as unknown as { rose: string[] }).rose);
    assert.ok(rose.includes('gold') && rose.includes('diamond'), `the paid balances were animated (${rose.join(', ')})`);

    // After a reload (a new session from the stored refresh token) the balances come from the server.
    await player.reload();
    await player.waitForURL('**/quests');
    await waitForText(balanceOf(player, 'gold'), '35');
    await waitForText(balanceOf(player, 'diamond'), '5');
    await player.getByRole('link', { name: 'Ledger' }).click();
    const ledger = player.getByTestId('ledger');
    await ledger.waitFor();
    const text = await textOf(ledger);
    assert.match(text, /\+25\s*gold.*Quest walk-the-dog/s);
    assert.match(text, /\+5\s*diamond.*Quest walk-the-dog/s);
    assert.match(text, /\+10\s*gold.*Quest daily-login/s);
    await screenshot(player, 'player-ledger');
  });

  test('an expired access token is refreshed once, transparently; a failed request shows an error and a retry', async () => {
    const storedToken = () => player.evaluate(() => localStorage.getItem('questline.refreshToken'));
    const before = await storedToken();
    let calls = 0;
    await player.route('**/api/v1/me/ledger*', async (route) => {
      calls += 1;
      if (calls > 1) return route.continue();
      await route.fulfill({ status: 401, contentType: 'application/json', body: JSON.stringify({ error: { code: 'UNAUTHENTICATED', message: 'token expired', requestId: 't1' } }) });
    });
    await player.getByRole('link', { name: 'Quests' }).click();
    await player.getByRole('link', { name: 'Ledger' }).click();
    await player.getByTestId('ledger').waitFor();
    assert.equal(calls, 2, 'one 401, then the same call again with a new token');
    assert.notEqual(await storedToken(), before, 'the refresh token was rotated');
    await player.unrouteAll();

    await player.route('**/api/v1/me/ledger*', (route) =>
      route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'down for a moment', requestId: 'r1' } }) }),
    );
    await player.getByRole('link', { name: 'Quests' }).click();
    await player.getByRole('link', { name: 'Ledger' }).click();
    assert.match(await textOf(player.getByRole('alert')), /down for a moment/);
    await screenshot(player, 'player-ledger-error');
    await player.unrouteAll();
    await player.getByRole('button', { name: 'Try again' }).click();
    await player.getByTestId('ledger').waitFor();
  });

  test('the player changes their timezone', async () => {
    await player.getByRole('link', { name: 'Settings' }).click();
    const select = player.getByRole('combobox', { name: 'Timezone' });
    assert.equal(await select.inputValue(), 'Europe/Paris', 'signed up with the browser’s timezone');
    // Current IANA names only, grouped by region, each with its offset now.
    assert.equal(await select.locator('option[value="Asia/Calcutta"]').count(), 0);
    assert.match((await select.locator('optgroup[label=Asia] option[value="Asia/Kolkata"]').textContent()) ?? '', /^Kolkata \(UTC\+05:30\)$/);
    // Typing a city picks its zone.
    await player.getByRole('searchbox', { name: 'Filter by city, region or UTC offset' }).fill('kolkata');
    await eventually(async () => ((await select.inputValue()) === 'Asia/Kolkata' && (await select.locator('option').count()) === 1 ? true : undefined), 5000, 'Kolkata alone, selected');
    await player.getByRole('searchbox', { name: 'Filter by city, region or UTC offset' }).fill('');
    await select.selectOption('Asia/Tokyo');
    await player.getByRole('button', { name: 'Save timezone' }).click();
    await player.getByText('Timezone saved: Asia/Tokyo.').waitFor();
    await screenshot(player, 'player-settings');
  });

  test('an admin grants gold by hand, then bans the player; the player’s next action logs them out', async () => {
    await adminNav(admin, 'Users');
    const row = admin.locator(`[data-user="${username}"]`);
    await row.getByRole('button', { name: `Grant to ${username}` }).click();
    await row.getByLabel('Amount').fill('7');
    await row.getByLabel('Reason').fill('Welcome gift');
    await row.getByRole('button', { name: 'Grant', exact: true }).click();
    await admin.getByText(`Granted 7 gold to ${username}.`).waitFor();
    await waitForText(row.locator('[data-currency=gold] .amount-value'), '42');
    await screenshot(admin, 'admin-users');

    await player.getByRole('link', { name: 'Quests' }).click();
    const record = player.locator('[data-quest=walk-the-dog]').getByRole('button', { name: 'Record “dog walked”' });
    await record.waitFor();
    await row.getByRole('button', { name: `Ban ${username}` }).click();
    // Cancel first: nothing happens; then confirm.
    await confirmDialog(admin, `Ban ${username}?`, /logged out at once/, 'Cancel');
    assert.equal(await row.getByRole('button', { name: `Ban ${username}` }).isEnabled(), true);
    await row.getByRole('button', { name: `Ban ${username}` }).click();
    await confirmDialog(admin, `Ban ${username}?`, /balances stay intact/, `Ban ${username}`);
    await admin.getByText(`${username} is banned.`).waitFor();
    await waitForText(row.locator('.badge-user-banned'), 'banned');

    // The page may refresh itself first; either way the next call is refused.
    await record.click({ timeout: 2000 }).catch(() => undefined);
    await player.waitForURL('**/login', { timeout: 10_000 });
    assert.equal(await textOf(player.getByTestId('session-notice')), 'Your account has been banned.');
    assert.equal(await player.evaluate(() => localStorage.getItem('questline.refreshToken')), null, 'the session is gone');
    await screenshot(player, 'player-banned');

    await player.getByLabel('Username').fill(username);
    await player.getByLabel('Password').fill(password);
    await player.getByRole('button', { name: 'Log in' }).click();
    await player.locator('.notice-danger', { hasText: 'Your account has been banned.' }).last().waitFor();
    assert.ok(player.url().endsWith('/login'));
  });

  test('the users list says it is loading until it arrives; an admin unbans the player, who can log in again', async () => {
    await adminNav(admin, 'Quests');
    // The list request is held, not delayed: the loading state stays until the test has seen it.
    const held = await holdRequests(admin, apiPath('/api/v1/admin/users'));
    await adminNav(admin, 'Users');
    const loading = admin.getByRole('status').filter({ hasText: 'Loading users…' });
    await loading.waitFor();
    assert.equal(await admin.locator('[data-user]').count(), 0, 'no list while it loads');
    await screenshot(admin, 'admin-users-loading');
    await held.release();
    const row = admin.locator(`[data-user="${username}"]`);
    await row.waitFor();
    assert.equal(await loading.count(), 0, 'the loading state is gone once the list is there');

    await row.getByRole('button', { name: `Unban ${username}` }).click();
    await admin.getByText(`${username} is no longer banned.`).waitFor();
    await waitForText(row.locator('.badge-user-active'), 'active');
    await screenshot(admin, 'admin-users-unbanned');

    // Still on the login page that refused them.
    await player.getByLabel('Password').fill(password);
    await player.getByRole('button', { name: 'Log in' }).click();
    await player.waitForURL('**/quests');
    assert.equal(await textOf(player.getByTestId('username')), username);
    await waitForText(balanceOf(player, 'gold'), '42');
    await player.locator('[data-quest=walk-the-dog]').waitFor();
  });

  test('the admin quests list shows an error with a working retry; an archived quest is listed as such and leaves the player’s quests', async () => {
    const unavailable = { code: 'UPSTREAM_UNAVAILABLE', message: 'The catalog is not answering.', requestId: 'e2e-catalog-down' };
    const restore = await failRequests(admin, apiPath('/api/v1/admin/quests'), 503, unavailable);
    await adminNav(admin, 'Quests');
    const alert = admin.getByRole('alert');
    assert.match(await textOf(alert), /The catalog is not answering\. \(UPSTREAM_UNAVAILABLE\)/);
    assert.match(await textOf(alert), /Request id: e2e-catalog-down/);
    await screenshot(admin, 'admin-quests-error');
    await restore();
    await alert.getByRole('button', { name: 'Try again' }).click();
    const row = admin.locator('[data-quest=walk-the-dog]');
    await waitForText(row.locator('.badge'), 'published');
    assert.equal(await alert.count(), 0, 'the error is gone after the retry');

    await row.getByRole('button', { name: 'Archive walk-the-dog' }).click();
    await confirmDialog(admin, 'Archive “Walk the dog”?', /not yet claimed stay claimable/, 'Archive');
    await admin.getByText('Archived walk-the-dog.').waitFor();
    await waitForText(row.locator('.badge'), 'archived');
    const statuses = () => admin.locator('.admin-item .badge').allTextContents();
    await admin.getByLabel('Status').selectOption('archived');
    await eventually(async () => (await statuses()).join() === 'archived', 10_000, 'only the archived quest listed');
    await screenshot(admin, 'admin-quests-archived');
    await admin.getByLabel('Status').selectOption('published');
    await eventually(async () => (await row.count()) === 0 && (await statuses()).length > 0, 10_000, 'the published list without it');

    // Progress polls the catalog and sends the list without it on the stream. The player had claimed
    // it: nothing is left to show.
    await eventually(async () => (await player.locator('[data-quest=walk-the-dog]').count()) === 0, 20_000, 'walk-the-dog gone from the player’s quests');
    await player.locator('[data-quest=daily-login]').waitFor();
    await screenshot(player, 'player-quests-archived');
  });

  test('nothing was loaded from another origin, and no page broke the security policy or threw', () => {
    assert.deepEqual(web.foreignRequests, []);
    assert.deepEqual(web.pageErrors, []);
  });
});
