/**
 * The web app by keyboard only and on a 375 px phone, in a real headless Chromium against the four
 * real services: every main page fits without sideways scrolling, in light and dark mode
 * (screenshots in test-results/screenshots/mobile-*.png).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { apiClient, eventually } from '@questline/testkit';
import { screenshot, textOf, webSuite } from './web-support.js';

// Names that exist in the page, where page.evaluate runs these functions (this file is type-checked
// without the DOM library, like the rest of the repository).
declare const document: { activeElement: { id: string } | null; documentElement: { scrollWidth: number; clientWidth: number } };
declare const localStorage: { getItem(key: string): string | null };
declare function getComputedStyle(el: unknown): { outlineStyle: string };

const password = 'correct-horse-battery';

const web = webSuite('weba11y');

describe('accessibility and small screens', () => {
  const api = () => apiClient(web.stack.gateway);

  async function newPlayer(prefix: string) {
    const username = `${prefix}_${randomBytes(3).toString('hex')}`;
    const res = await api()('POST', '/api/v1/auth/signup', { body: { username, password, timezone: 'UTC' } });
    assert.equal(res.status, 201);
    return username;
  }

  test('keyboard only: Tab to the fields, type, Enter logs in; focus is visible; Log out ends the session', async () => {
    const username = await newPlayer('kim');
    const page = await web.newPage();
    await page.goto(`${web.base}/login`);
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
    const page = await web.newPage({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    const check = async (path: string, name: string) => {
      await page.goto(`${web.base}${path}`);
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
    await web.uiLogin(page, web.stack.admin.username, web.stack.admin.password);
    for (const [path, name] of [
      ['/quests', 'quests'],
      ['/ledger', 'ledger'],
      ['/settings', 'settings'],
      ['/admin/quests', 'admin-quests'],
      ['/admin/quests/new', 'admin-quest-new'],
      ['/admin/quests/daily-login/edit', 'admin-quest-edit'],
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
    assert.deepEqual(web.foreignRequests, []);
    assert.deepEqual(web.pageErrors, []);
  });
});
