/**
 * The web app in a real headless Chromium (Debian's, driven by playwright-core) against the four
 * real services: a player and an admin going through the seed's story (through a ban, an unban and
 * an archived quest, with a page's loading and error states on the way), plus a 375 px check and a
 * keyboard-only login. Screenshots of every page land in test-results/screenshots/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { apiClient, eventually, startTestStack, type TestStack } from '@questline/testkit';
import { declarePlayerReportable } from './event-types-support.js';
import { adminNav, apiPath, buildWebAppIfStale, confirmDialog, failRequests, holdRequests, launchBrowser, screenshot, textOf, waitForAttr, waitForText, webBaseUrl } from './web-support.js';

// Names that exist in the page, where page.evaluate runs these functions (this file is type-checked
// without the DOM library, like the rest of the repository).
declare const document: { activeElement: { id: string } | null; documentElement: { scrollWidth: number; clientWidth: number } };
declare const localStorage: { getItem(key: string): string | null };
declare const window: Record<string, unknown>;
declare function getComputedStyle(el: unknown): { outlineStyle: string };

let stack: TestStack;
let browser: Browser;
let base: string;
const password = 'correct-horse-battery';
const foreignRequests: string[] = [];
const pageErrors: string[] = [];

before(async () => {
  await buildWebAppIfStale();
  stack = await startTestStack({ name: 'web' });
  base = await webBaseUrl(stack);
  // The quest the admin creates below counts dog_walked, which players report from the web app's
  // Record button: a type players may report must be declared (api.md v1.1).
  const http = apiClient(stack.gateway);
  const adminToken = (await http('POST', '/api/v1/auth/login', { body: stack.admin })).body.accessToken as string;
  await declarePlayerReportable(http, adminToken, ['dog_walked']);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.close();
});

/** A fresh browser context; everything it loads is watched for foreign requests and errors. */
async function newPage(options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...options });
  const page = await context.newPage();
  page.on('request', (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith('data:')) foreignRequests.push(r.url());
  });
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) pageErrors.push(`CSP: ${m.text()}`);
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return page;
}

const balance = (page: Page, currency: string) => page.locator(`[data-testid=balances] [data-balance=${currency}] .amount-value`);

async function uiLogin(page: Page, username: string, pw: string) {
  await page.goto(`${base}/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(pw);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL('**/quests');
}

describe('a player and an admin, end to end', () => {
  const username = `ada_${randomBytes(3).toString('hex')}`;
  let player: Page;
  let admin: Page;

  test('sign up (timezone from the browser), log in, and the daily-login reward shows 10 gold', async () => {
    player = await newPage({ timezoneId: 'Europe/Paris' });
    await player.goto(`${base}/`);
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
    await waitForText(balance(player, 'gold'), '10');
    assert.equal(await textOf(balance(player, 'diamond')), '0');
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
    admin = await newPage();
    await uiLogin(admin, stack.admin.username, stack.admin.password);
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
    await waitForText(balance(player, 'gold'), '35', 3000);
    await waitForText(balance(player, 'diamond'), '5', 3000);
    assert.match(await textOf(card.locator('.card-message')), /Claimed \+25 gold, \+5 diamond/);
    const rose = await player.evaluate(() => (globalThis as unknown as { rose: string[] }).rose);
    assert.ok(rose.includes('gold') && rose.includes('diamond'), `the paid balances were animated (${rose.join(', ')})`);

    // After a reload (a new session from the stored refresh token) the balances come from the server.
    await player.reload();
    await player.waitForURL('**/quests');
    await waitForText(balance(player, 'gold'), '35');
    await waitForText(balance(player, 'diamond'), '5');
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
    await waitForText(balance(player, 'gold'), '42');
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

  test('an admin creates a webhook (the secret shown once), sends a test message the receiver can verify, and disables it', async () => {
    const received: Array<{ headers: Record<string, string>; body: string }> = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        received.push({ headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])), body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/questline`;
      await adminNav(admin, 'Webhooks');
      await admin.getByText('No webhooks yet').waitFor();
      await admin.getByLabel('Receiver URL (https)').fill(url);
      await admin.getByRole('button', { name: 'Create webhook' }).click();
      const secret = (await admin.locator('[data-secret]').textContent()) ?? '';
      assert.match(secret, /^whsec_[A-Za-z0-9+/=]{32,}$/);
      await screenshot(admin, 'admin-webhooks-secret');
      await admin.getByRole('button', { name: 'Done' }).click();
      assert.equal(await admin.locator('[data-secret]').count(), 0, 'the secret is gone once dismissed');

      const item = admin.locator(`[data-webhook="${url}"]`);
      await item.getByRole('button', { name: 'Send test' }).click();
      await admin.getByText(/Test message answered 204/).waitFor();
      const test = received.find((r) => JSON.parse(r.body).type === 'webhook.test');
      assert.ok(test, 'the receiver got the test message');
      // Verified by the Standard Webhooks reference library, not by our own code.
      assert.doesNotThrow(() => new Webhook(secret.slice('whsec_'.length)).verify(test.body, test.headers));

      await item.getByRole('button', { name: 'Disable' }).click();
      await admin.getByText(`Disabled ${url}.`).waitFor();
      await item.getByRole('button', { name: 'Enable' }).waitFor();
      await item.getByRole('button', { name: 'Deliveries' }).click();
      await item.getByText('No deliveries yet.').waitFor();
      await screenshot(admin, 'admin-webhooks');
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});

describe('live updates on the quests page', () => {
  const http = () => apiClient(stack.gateway);
  const username = `lea_${randomBytes(3).toString('hex')}`;
  const yesterdayNoon = () => {
    const d = new Date();
    d.setUTCHours(12, 0, 0, 0);
    d.setUTCDate(d.getUTCDate() - 1);
    return d.toISOString();
  };
  const isStream = (url: string) => new URL(url).pathname === '/api/v1/me/stream';

  test('an admin backfills a login that completes Daily Login: the page shows it, a toast and 20 gold, without a reload or a poll', async () => {
    const signup = await http()('POST', '/api/v1/auth/signup', { body: { username, password, timezone: 'UTC' } });
    assert.equal(signup.status, 201, JSON.stringify(signup.body));
    const userId = signup.body.user.id as string;
    // A first login pays today's Daily Login before the page opens: the page then starts from a quiet state.
    const login = await http()('POST', '/api/v1/auth/login', { body: { username, password } });
    await eventually(async () => (await http()('GET', '/api/v1/me', { token: login.body.accessToken })).body.user.balances.gold === 10, 15_000, 'the first login’s reward');

    const page = await newPage();
    const requests: { method: string; url: string }[] = [];
    page.on('request', (r) => requests.push({ method: r.method(), url: r.url() }));
    await uiLogin(page, username, password);
    await page.locator('[data-stream=live]').waitFor();
    const liveAt = Date.now();
    const daily = page.locator('[data-quest=daily-login]');
    await daily.locator('.quest-meta', { hasText: 'Completed once' }).waitFor();
    await waitForText(balance(page, 'gold'), '10');
    const toasts = page.getByTestId('toasts');
    assert.equal(await toasts.getAttribute('role'), 'status');
    assert.equal(await toasts.getAttribute('aria-live'), 'polite');
    assert.equal(await toasts.locator('.toast').count(), 0, 'the snapshot raises no toast');
    // A reload would lose this.
    await page.evaluate(() => {
      window.questlineMarker = 'same document';
    });

    const adminToken = (await http()('POST', '/api/v1/auth/login', { body: stack.admin })).body.accessToken as string;
    const backfill = await http()('POST', '/api/v1/admin/events', {
      token: adminToken,
      body: { events: [{ id: `yesterday-${username}`, userId, type: 'login', occurredAt: yesterdayNoon() }] },
    });
    assert.equal(backfill.status, 200, JSON.stringify(backfill.body));

    const questToast = toasts.locator('.toast', { hasText: 'Quest complete: Daily Login' });
    await questToast.waitFor();
    await toasts.locator('.toast', { hasText: 'Reward: +10 gold' }).waitFor();
    await waitForText(balance(page, 'gold'), '20');
    assert.equal(await page.locator('.amount-value').count(), 2, 'the balances are shown once (gold and diamond, in the top bar)');
    await daily.locator('.quest-meta', { hasText: 'Completed twice' }).waitFor();
    await waitForText(page.locator('[data-quest=sign-in-three-times]').getByTestId('streak-current'), '2 days');
    await screenshot(page, 'player-live-toasts');
    await questToast.getByRole('button', { name: /^Dismiss/ }).click();
    await eventually(async () => (await questToast.count()) === 0, 5000, 'the dismissed toast gone');

    assert.equal(await page.evaluate(() => window.questlineMarker), 'same document', 'no reload happened');
    // The old poll asked every 4 s: a window longer than that shows it is gone (no timing is asserted).
    const rest = 6500 - (Date.now() - liveAt);
    if (rest > 0) await page.waitForTimeout(rest);
    const opened = requests.findIndex((r) => isStream(r.url));
    assert.ok(opened >= 0, 'the stream was opened');
    const polls = requests.slice(opened).filter((r) => r.method === 'GET' && new URL(r.url).pathname === '/api/v1/me/quests');
    // The page asks once, by itself, when a period ends (the player's days end at UTC midnight):
    // a run that straddles midnight may see that one request.
    const day = (t: number) => Math.floor(t / 86_400_000);
    const straddles = day(liveAt - 10_000) !== day(Date.now() + 2000);
    assert.ok(straddles ? polls.length <= 1 : polls.length === 0, `no GET /me/quests while the stream is open (${polls.length})`);
    await page.context().close();
  });

  test('a stream cut short is opened again with a new ticket, and the page is live again', async () => {
    const page = await newPage();
    const streams: string[] = [];
    let ticketPosts = 0;
    page.on('request', (r) => {
      if (isStream(r.url())) streams.push(new URL(r.url()).searchParams.get('ticket') ?? '');
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/me/stream-tickets') ticketPosts += 1;
    });
    // The first stream opens and ends at once, as a restarting server would end it.
    let cut = false;
    await page.route(apiPath('/api/v1/me/stream'), async (route) => {
      if (cut) return route.continue();
      cut = true;
      await route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store' }, body: ': cut short\n\n' });
    });
    await uiLogin(page, username, password);
    await page.locator('[data-stream=live]').waitFor({ timeout: 15_000 });
    await waitForText(balance(page, 'gold'), '20');
    assert.ok(streams.length >= 2, `streams opened: ${streams.length}`);
    assert.equal(new Set(streams).size, streams.length, 'every stream had its own ticket');
    assert.equal(ticketPosts, streams.length, 'one ticket per stream');
    await page.context().close();
  });

  test('a server without the stream (404 on the ticket): the page falls back to polling', async () => {
    const page = await newPage();
    const streams: string[] = [];
    let listGets = 0;
    page.on('request', (r) => {
      if (isStream(r.url())) streams.push(r.url());
      if (r.method() === 'GET' && new URL(r.url()).pathname === '/api/v1/me/quests') listGets += 1;
    });
    await failRequests(page, apiPath('/api/v1/me/stream-tickets'), 404, { code: 'NOT_FOUND', message: 'no such route', requestId: 'e2e-no-stream' });
    await uiLogin(page, username, password);
    await page.locator('[data-stream=polling]').waitFor();
    await page.locator('[data-quest=daily-login]').waitFor();
    await waitForText(balance(page, 'gold'), '20');
    await eventually(async () => listGets >= 2, 15_000, 'the list asked for again by the poll');
    assert.deepEqual(streams, [], 'no stream is tried after a 404');
    await page.context().close();
  });
});

describe('accessibility and small screens', () => {
  const api = () => apiClient(stack.gateway);

  async function newPlayer(prefix: string) {
    const username = `${prefix}_${randomBytes(3).toString('hex')}`;
    const res = await api()('POST', '/api/v1/auth/signup', { body: { username, password, timezone: 'UTC' } });
    assert.equal(res.status, 201);
    return username;
  }

  test('keyboard only: Tab to the fields, type, Enter logs in; focus is visible; Log out ends the session', async () => {
    const username = await newPlayer('kim');
    const page = await newPage();
    await page.goto(`${base}/login`);
    const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
    for (let i = 0; i < 6 && (await focused()) !== 'login-username'; i++) await page.keyboard.press('Tab');
    assert.equal(await focused(), 'login-username', 'the username field is reachable with Tab');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    assert.notEqual(outline, 'none', 'keyboard focus is visible');
    await page.keyboard.type(username);
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'login-password');
    await page.keyboard.type(password);
    await screenshot(page, 'keyboard-login');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/quests');

    // The log-out button is reachable from the keyboard too.
    await page.getByRole('button', { name: 'Log out' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL('**/login');
    assert.equal(await textOf(page.getByTestId('session-notice')), 'You have been logged out.');
    assert.equal(await page.evaluate(() => localStorage.getItem('questline.refreshToken')), null);
  });

  test('at 375 px wide no main page scrolls sideways', async () => {
    const page = await newPage({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    const check = async (path: string, name: string) => {
      await page.goto(`${base}${path}`);
      await page.locator('main h1').waitFor();
      await eventually(async () => (await page.locator('main .loading').count()) === 0, 10_000, `${path} loaded`);
      const { scrollWidth, clientWidth } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
      }));
      assert.ok(scrollWidth <= clientWidth, `${path}: content ${scrollWidth}px wide in a ${clientWidth}px viewport`);
      await screenshot(page, `mobile-${name}`);
      // The same page in dark mode, for the eye (axe judges both schemes in web-admin-e2e).
      await page.emulateMedia({ colorScheme: 'dark' });
      await screenshot(page, `mobile-dark-${name}`);
      await page.emulateMedia({ colorScheme: 'light' });
    };
    await check('/login', 'login');
    await check('/signup', 'signup');
    await uiLogin(page, stack.admin.username, stack.admin.password);
    for (const [path, name] of [
      ['/quests', 'quests'],
      ['/ledger', 'ledger'],
      ['/settings', 'settings'],
      ['/admin/quests', 'admin-quests'],
      ['/admin/quests/new', 'admin-quest-new'],
      ['/admin/quests/walk-the-dog/edit', 'admin-quest-edit'],
      ['/admin/rewards', 'admin-rewards'],
      ['/admin/users', 'admin-users'],
      ['/admin/webhooks', 'admin-webhooks'],
      ['/admin/currencies', 'admin-currencies'],
      ['/admin/api-keys', 'admin-api-keys'],
      ['/admin/audit', 'admin-audit'],
    ]) {
      await check(path!, name!);
    }
  });

  test('nothing was loaded from another origin, and no page broke the security policy or threw', () => {
    assert.deepEqual(foreignRequests, []);
    assert.deepEqual(pageErrors, []);
  });
});
