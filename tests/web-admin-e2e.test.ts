/**
 * The admin area in a real headless Chromium against the four real services: its own navigation,
 * the confirmation before a hard-to-undo action (Escape and Cancel do nothing), currencies, and API
 * keys (least privilege by default, the secret shown once, the key working, then revoked from the
 * page and refused), webhooks (the secret shown once, a test message our receiver verifies with the
 * Standard Webhooks library, disabled). Screenshots land in test-results/screenshots/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { Browser, Page } from 'playwright-core';
import { apiClient, eventually, startTestStack, type TestStack } from '@questline/testkit';
import { adminNav, axeViolations, buildWebAppIfStale, confirmDialog, launchBrowser, screenshot, textOf, webBaseUrl } from './web-support.js';

let stack: TestStack;
let browser: Browser;
let base: string;
let admin: Page;
const tag = randomBytes(3).toString('hex');
const pageErrors: string[] = [];

before(async () => {
  await buildWebAppIfStale();
  stack = await startTestStack({ name: 'webadmin' });
  base = await webBaseUrl(stack);
  browser = await launchBrowser();
  admin = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  admin.on('pageerror', (e) => pageErrors.push(e.message));
  await admin.goto(`${base}/login`);
  await admin.getByLabel('Username').fill(stack.admin.username);
  await admin.getByLabel('Password').fill(stack.admin.password);
  await admin.getByRole('button', { name: 'Log in' }).click();
  await admin.waitForURL('**/quests');
});

async function adminToken(): Promise<string> {
  return (await apiClient(stack.gateway)('POST', '/api/v1/auth/login', { body: stack.admin })).body.accessToken as string;
}

after(async () => {
  await browser?.close();
  await stack?.close();
});

describe('the admin area', () => {
  test('its own navigation, without the player’s balances, and a way back to the player’s view', async () => {
    assert.equal(await admin.getByRole('navigation', { name: 'Admin' }).count(), 0, 'a player page shows the player’s navigation');
    assert.equal(await admin.locator('.topbar .balances').count(), 1, 'the player’s balances in the top bar');
    await adminNav(admin, 'Quests');
    await admin.waitForURL('**/admin/quests');
    const nav = admin.getByRole('navigation', { name: 'Admin' });
    for (const label of ['Quests', 'Rewards', 'Currencies', 'Users', 'API keys', 'Webhooks', 'Audit log', 'Player view']) {
      assert.equal(await nav.getByRole('link', { name: label, exact: true }).count(), 1, label);
    }
    assert.equal(await admin.getByRole('navigation', { name: 'Main' }).count(), 0, 'no player links in the admin area');
    assert.equal(await admin.locator('.topbar .balances').count(), 0, 'no balances in the admin area');
    await nav.getByRole('link', { name: 'Player view' }).click();
    await admin.waitForURL('**/quests');
    await admin.getByRole('navigation', { name: 'Main' }).waitFor();
  });

  test('a currency: plain-language errors at the field, then created and listed', async () => {
    await adminNav(admin, 'Currencies');
    await admin.locator('[data-currency=gold]').waitFor();
    await admin.getByLabel('Code').fill('Ruby!');
    await admin.getByLabel('Name', { exact: true }).fill('Rubies');
    await admin.getByRole('button', { name: 'Create currency' }).click();
    const codeError = admin.locator('[data-field-error=currency-code]');
    assert.match(await textOf(codeError), /^Use lower-case letters/);
    assert.doesNotMatch(await textOf(codeError), /pattern|must/);
    await admin.getByLabel('Code').fill(`ruby${tag}`);
    await admin.getByRole('button', { name: 'Create currency' }).click();
    await admin.getByText(`Created the currency Rubies (ruby${tag}).`).waitFor();
    await admin.locator(`[data-currency=ruby${tag}]`).waitFor();
    await admin.getByLabel('Code').fill(`ruby${tag}`);
    await admin.getByLabel('Name', { exact: true }).fill('Rubies again');
    await admin.getByRole('button', { name: 'Create currency' }).click();
    assert.equal(await textOf(admin.locator('[data-field-error=currency-code]')), `There is already a currency “ruby${tag}”.`);
    await screenshot(admin, 'admin-currencies');
  });

  test('an API key: no scope is refused, the secret is shown once, the key works; revoked from the page after a confirmation, it is refused', async () => {
    const http = apiClient(stack.gateway);
    await adminNav(admin, 'API keys');
    await admin.getByText('No keys yet.').waitFor();
    await admin.getByLabel('Name', { exact: true }).fill(`shop-${tag}`);
    await admin.getByRole('button', { name: 'Create key' }).click();
    assert.match(await textOf(admin.locator('[data-field-error=key-scopes]')), /Pick at least one scope/);
    for (const box of await admin.getByRole('checkbox').all()) assert.equal(await box.isChecked(), false, 'no scope is ticked by default');

    await admin.getByRole('checkbox', { name: /^catalog:write/ }).check();
    await admin.getByRole('button', { name: 'Create key' }).click();
    const secret = (await admin.locator('[data-secret]').textContent()) ?? '';
    assert.match(secret, /^qlk_[A-Za-z0-9]+_[A-Za-z0-9]{32,}$/);
    await screenshot(admin, 'admin-api-key-secret');
    await admin.getByRole('button', { name: 'Done' }).click();
    assert.equal(await admin.locator('[data-secret]').count(), 0, 'gone once dismissed, and never shown again');
    const item = admin.locator(`[data-api-key="shop-${tag}"]`);
    assert.match(await textOf(item), /catalog:write/);
    assert.match(await textOf(item), /never used/);
    assert.equal((await http('GET', '/api/v1/admin/quests', { token: secret })).status, 200, 'the key works');

    // Escape, then Cancel: nothing is revoked.
    await item.getByRole('button', { name: `Revoke shop-${tag}` }).click();
    await admin.getByRole('dialog', { name: `Revoke the key “shop-${tag}”?` }).waitFor();
    await admin.keyboard.press('Escape');
    await admin.getByRole('dialog').waitFor({ state: 'hidden' });
    await item.getByRole('button', { name: `Revoke shop-${tag}` }).click();
    await confirmDialog(admin, `Revoke the key “shop-${tag}”?`, /refused within 5 seconds/, 'Cancel');
    assert.equal((await http('GET', '/api/v1/admin/quests', { token: secret })).status, 200, 'still works after a cancel');

    await item.getByRole('button', { name: `Revoke shop-${tag}` }).click();
    await confirmDialog(admin, `Revoke the key “shop-${tag}”?`, /cannot be undone/, 'Revoke key');
    await admin.getByText(`Revoked the key shop-${tag}.`).waitFor();
    await item.getByText('revoked', { exact: true }).waitFor();
    await eventually(async () => ((await http('GET', '/api/v1/admin/quests', { token: secret })).status === 401 ? true : undefined), 10_000, 'the revoked key refused');
    await screenshot(admin, 'admin-api-keys');
  });

  test('a user’s own page: quests and ledger, a grant, a refused then accepted debit, role and ban after a confirmation', async () => {
    const http = apiClient(stack.gateway);
    const username = `ivy_${tag}`;
    const signup = await http('POST', '/api/v1/auth/signup', { body: { username, password: 'correct-horse-battery', timezone: 'UTC' } });
    assert.equal(signup.status, 201, JSON.stringify(signup.body));
    const login = await http('POST', '/api/v1/auth/login', { body: { username, password: 'correct-horse-battery' } });
    await eventually(async () => ((await http('GET', '/api/v1/me', { token: login.body.accessToken })).body.user.balances.gold === 10 ? true : undefined), 15_000, 'the login reward');

    await adminNav(admin, 'Users');
    await admin.locator(`[data-user="${username}"]`).getByRole('link', { name: username }).click();
    await admin.waitForURL(`**/admin/users/${signup.body.user.id}`);
    const card = admin.locator(`[data-user-page="${username}"]`);
    await card.waitFor();
    assert.match(await textOf(card), /10/);
    await admin.locator('[data-user-quest=daily-login]').waitFor();
    assert.match(await textOf(admin.locator('[data-user-quest=daily-login]')), /Daily Login/);
    await admin.getByLabel('Ledger entries, newest first').waitFor();

    const grant = admin.getByRole('form', { name: `Grant to ${username}` });
    await grant.getByLabel('Amount').fill('5');
    await grant.getByLabel('Reason').fill('support');
    await grant.getByRole('button', { name: 'Grant' }).click();
    await admin.getByText(`Granted 5 gold to ${username}.`).waitFor();

    const debit = admin.getByRole('form', { name: `Debit from ${username}` });
    await debit.getByLabel('Amount').fill('100');
    await debit.getByLabel('Reason').fill('shop');
    await debit.getByRole('button', { name: 'Debit' }).click();
    assert.equal(await textOf(debit.locator('.field-error')), `More than ${username} has: nothing was taken.`);
    await debit.getByLabel('Amount').fill('3');
    await debit.getByRole('button', { name: 'Debit' }).click();
    await admin.getByText(`Debited 3 gold from ${username}.`).waitFor();
    await eventually(async () => ((await http('GET', '/api/v1/me', { token: login.body.accessToken })).body.user.balances.gold === 12 ? true : undefined), 10_000, '10 + 5 − 3 gold');
    await admin.getByLabel('Ledger entries, newest first').getByText('Spent').waitFor();

    await card.getByRole('button', { name: 'Make admin' }).click();
    await confirmDialog(admin, `Make ${username} an admin?`, /manage the catalog/, 'Cancel');
    await card.getByRole('button', { name: 'Ban' }).click();
    await confirmDialog(admin, `Ban ${username}?`, /logged out at once/, `Ban ${username}`);
    await admin.getByText(`${username} is banned.`).waitFor();
    await card.getByRole('button', { name: 'Unban' }).waitFor();
    assert.equal((await http('GET', '/api/v1/me', { token: login.body.accessToken })).status, 403);
    await screenshot(admin, 'admin-user');
  });

  test('the audit log shows both trails: the catalog’s and the accounts’ (the key created and revoked above)', async () => {
    await adminNav(admin, 'Audit log');
    await admin.getByRole('button', { name: 'Catalog', exact: true }).waitFor();
    assert.equal(await admin.getByRole('button', { name: 'Catalog', exact: true }).getAttribute('aria-pressed'), 'true');
    await admin.getByRole('button', { name: 'Accounts', exact: true }).click();
    const table = admin.getByRole('table', { name: 'Audit entries, newest first' });
    await table.waitFor();
    await table.locator('tr', { hasText: `shop-${tag}` }).first().waitFor();
    const actions = await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { audit: string } }).dataset.audit));
    assert.ok(actions.some((a) => /api.?key/i.test(a) && /revok/i.test(a)), `a revocation among ${actions.join(', ')}`);
    await screenshot(admin, 'admin-audit');
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

  test('the prerequisite picker finds a quest beyond the first page of 200, and says how many more match', async () => {
    const http = apiClient(stack.gateway);
    const token = await adminToken();
    const reward = await http('POST', '/api/v1/admin/rewards', { token, body: { name: `Picker ${tag}`, items: [{ currency: 'gold', amount: 1 }] } });
    assert.equal(reward.status, 201, JSON.stringify(reward.body));
    const keys = Array.from({ length: 205 }, (_, i) => `pick-${tag}-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < keys.length; i += 10) {
      await Promise.all(
        keys.slice(i, i + 10).map(async (key) => {
          const body = { key, name: `Picker quest ${key.slice(-3)}`, objective: { event: 'picked', mode: 'count', target: 1 }, rewardId: reward.body.reward.id };
          const res = await http('POST', '/api/v1/admin/quests', { token, body });
          assert.equal(res.status, 201, JSON.stringify(res.body));
        }),
      );
    }
    await admin.goto(`${base}/admin/quests/new`);
    const search = admin.getByRole('searchbox', { name: 'Find a prerequisite quest' });
    await search.fill('Picker quest');
    // 205 match, 50 are listed: the rest are counted, not silently dropped.
    assert.match(await textOf(admin.getByTestId('prerequisites-more')), /^155 more match/);
    // The last one sorts after the first 200 keys: it is only there if every page was read.
    await search.fill('Picker quest 204');
    await admin.getByRole('checkbox', { name: /Picker quest 204/ }).check();
    assert.match(await textOf(admin.locator('#quest-prerequisites-hint')), new RegExp(`completed: ${keys[204]}\\.`));
    await screenshot(admin, 'admin-quest-prerequisites-many');
  });

  test('every page at 1280 px, light and dark: no serious or critical accessibility violation (axe-core, WCAG 2.1 AA)', async () => {
    const pages = ['/quests', '/ledger', '/settings', '/admin/quests', '/admin/quests/new', '/admin/rewards', '/admin/currencies', '/admin/users', '/admin/api-keys', '/admin/webhooks', '/admin/audit'];
    const someone = (await apiClient(stack.gateway)('GET', '/api/v1/admin/users?limit=1', { token: await adminToken() })).body.items[0].id as string;
    pages.push(`/admin/users/${someone}`);
    const found: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      await admin.emulateMedia({ colorScheme: scheme });
      for (const path of pages) {
        await admin.goto(`${base}${path}`);
        await admin.locator('main h1').waitFor();
        // Lists load after the page: judge the page with its content.
        await admin.waitForLoadState('networkidle').catch(() => undefined);
        found.push(...(await axeViolations(admin)).map((v) => `${scheme} ${path} ${v}`));
        if (scheme === 'dark') await screenshot(admin, `dark-${path.slice(1).replace(/\//g, '-')}`);
      }
    }
    await admin.emulateMedia({ colorScheme: 'light' });
    assert.deepEqual(found, []);
  });

  test('no page threw', () => {
    assert.deepEqual(pageErrors, []);
  });
});
