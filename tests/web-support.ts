/**
 * Support for the browser tests: builds the web app when dist is missing or stale, launches
 * Debian's headless Chromium through playwright-core, saves screenshots, and small helpers for
 * locators and for holding or failing the page's API calls (page.route).
 *
 * The browser opens the stack's real gateway, which serves the built app (apps/web/dist) at `/` with
 * its own Content-Security-Policy and proxies /api/* to the services: what a user gets.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before } from 'node:test';
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page, type Route } from 'playwright-core';
import { eventually, startTestStack, type TestStack } from '@questline/testkit';
import { repoRoot } from '@questline/devstack';

export const webDir = path.join(repoRoot, 'apps/web');
const distDir = path.join(webDir, 'dist');

/** The URL the browser opens for a stack's web app. */
export async function webBaseUrl(stack: TestStack): Promise<string> {
  return stack.gateway;
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? await newestMtime(full) : (await stat(full)).mtimeMs);
  }
  return newest;
}

/** Runs `vite build` in apps/web when dist is missing or older than the sources. */
export async function buildWebAppIfStale(): Promise<void> {
  const built = await stat(path.join(distDir, 'index.html')).then((s) => s.mtimeMs, () => 0);
  const sources = Math.max(
    await newestMtime(path.join(webDir, 'src')),
    // The app bundles @questline/sdk from its source (vite.config.ts).
    await newestMtime(path.join(repoRoot, 'packages/sdk/src')),
    ...(await Promise.all(['index.html', 'vite.config.ts', 'package.json', 'tsconfig.json'].map((f) => stat(path.join(webDir, f)).then((s) => s.mtimeMs)))),
  );
  if (built >= sources) return;
  const vite = path.join(repoRoot, 'node_modules/vite/bin/vite.js');
  const res = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: webDir, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`vite build failed (${res.status}):\n${res.stdout}\n${res.stderr}`);
}

export const CHROMIUM = '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

export const screenshotDir = path.join(process.env.QUESTLINE_TEST_ARTIFACTS ?? path.join(repoRoot, 'test-results'), 'screenshots');

/** A phone's width, at which every flow is also photographed. */
const PHONE_WIDTH = 375;

async function shoot(page: Page, name: string): Promise<string> {
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Saves full-page screenshots under test-results/screenshots/ (or QUESTLINE_TEST_ARTIFACTS):
 * `<name>.png` as the page is, and for a desktop-sized page also `<name>-dark.png`,
 * `<name>-375.png` and `<name>-375-dark.png` — every step of a flow at 1280 and 375 px, light
 * and dark — after which the page is put back as it was. Returns the first file.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  const file = await shoot(page, name);
  const viewport = page.viewportSize();
  if (!viewport || viewport.width <= PHONE_WIDTH) return file;
  const dark = await page.evaluate(() => (globalThis as unknown as { matchMedia(q: string): { matches: boolean } }).matchMedia('(prefers-color-scheme: dark)').matches);
  const other = dark ? 'light' : 'dark';
  await page.emulateMedia({ colorScheme: other });
  await shoot(page, `${name}-${other}`);
  await page.setViewportSize({ width: PHONE_WIDTH, height: viewport.height });
  await shoot(page, `${name}-${PHONE_WIDTH}-${other}`);
  await page.emulateMedia({ colorScheme: dark ? 'dark' : 'light' });
  await shoot(page, `${name}-${PHONE_WIDTH}`);
  await page.setViewportSize(viewport);
  return file;
}

export async function textOf(locator: Locator, timeout = 10_000): Promise<string> {
  await locator.first().waitFor({ timeout });
  return ((await locator.first().textContent()) ?? '').trim();
}

/** Waits until the locator's text is `want` (the pages refresh themselves every few seconds). */
export async function waitForText(locator: Locator, want: string, timeout = 15_000) {
  await eventually(async () => (await locator.count()) > 0 && ((await locator.first().textContent()) ?? '').trim() === want, timeout, `text “${want}”`);
}

export async function waitForAttr(locator: Locator, name: string, want: string, timeout = 10_000) {
  await eventually(async () => (await locator.count()) > 0 && (await locator.first().getAttribute(name)) === want, timeout, `${name}=${want}`);
}

/** Matches one API path exactly, whatever the query string (`/api/v1/admin/users` but not `/api/v1/admin/users/x`). */
export const apiPath = (pathname: string) => (url: URL) => url.pathname === pathname;

/**
 * Holds the page's requests that `match` until `release()`, then lets them through to the real
 * stack: the page stays in its loading state for as long as the test looks at it, no delay needed.
 */
export async function holdRequests(page: Page, match: (url: URL) => boolean): Promise<{ release: () => Promise<void> }> {
  let open = () => {};
  const released = new Promise<void>((resolve) => (open = resolve));
  const handler = async (route: Route) => {
    await released;
    await route.continue();
  };
  await page.route(match, handler);
  return {
    release: async () => {
      open();
      await page.unroute(match, handler);
    },
  };
}

/** Answers the page's requests that `match` with an api.md error body until the returned function is called. */
export async function failRequests(page: Page, match: (url: URL) => boolean, status: number, error: { code: string; message: string; requestId: string }): Promise<() => Promise<void>> {
  const handler = (route: Route) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify({ error }) });
  await page.route(match, handler);
  return () => page.unroute(match, handler);
}

/** The admin area's own navigation; from a player page, through its Admin link first. */
export async function adminNav(page: Page, label: string): Promise<void> {
  const nav = page.getByRole('navigation', { name: 'Admin' });
  if (!(await nav.isVisible())) await page.getByRole('link', { name: 'Admin', exact: true }).click();
  await nav.getByRole('link', { name: label, exact: true }).click();
}

/** The confirmation dialog: its title and what it says will happen, then the button to press. */
export async function confirmDialog(page: Page, title: string, says: RegExp, press: string): Promise<void> {
  const dialog = page.getByRole('dialog', { name: title });
  await dialog.waitFor();
  assert.match(await textOf(dialog.locator('#confirm-body')), says);
  await dialog.getByRole('button', { name: press, exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
}

const axeFile = path.join(repoRoot, 'node_modules/axe-core/axe.min.js');
let axeSource: string | undefined;

/**
 * axe-core's WCAG 2 A/AA rules on the page as it is now; the serious and critical violations, each
 * as "rule: selector" (an empty list passes). Loaded through the debugging protocol rather than a
 * script tag, which the app's Content-Security-Policy (rightly) refuses.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  axeSource ??= await readFile(axeFile, 'utf8');
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const g = globalThis as unknown as {
      document: unknown;
      axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown[] }> }> }> };
    };
    return g.axe.run(g.document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
}

/** One browser test file's stack, browser and pages, and what its pages did that they must not. */
export interface WebSuite {
  readonly stack: TestStack;
  /** The URL the browser opens. */
  readonly base: string;
  /** A fresh browser context at 1280 × 860 (or `options`); everything it loads is watched. */
  newPage(options?: BrowserContextOptions): Promise<Page>;
  /** Logs in through the login form and waits for the quests page. */
  uiLogin(page: Page, username: string, password: string): Promise<void>;
  /** Requests the pages sent to another origin. */
  readonly foreignRequests: readonly string[];
  /** Content-Security-Policy reports and uncaught errors of the pages. */
  readonly pageErrors: readonly string[];
}

/**
 * Registers the file's before/after hooks: builds the web app if stale, starts a stack named `name`
 * (then `setup`), launches Chromium; closes both after. A file ends with a test asserting that
 * `foreignRequests` and `pageErrors` are empty.
 */
export function webSuite(name: string, setup?: (stack: TestStack) => Promise<void>): WebSuite {
  let stack: TestStack | undefined;
  let browser: Browser | undefined;
  const foreignRequests: string[] = [];
  const pageErrors: string[] = [];
  before(async () => {
    await buildWebAppIfStale();
    stack = await startTestStack({ name });
    await setup?.(stack);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });
  const started = () => {
    if (!stack || !browser) throw new Error('the web suite has not started');
    return { stack, browser };
  };
  const suite: WebSuite = {
    get stack() {
      return started().stack;
    },
    get base() {
      return started().stack.gateway;
    },
    foreignRequests,
    pageErrors,
    async newPage(options = {}) {
      const context = await started().browser.newContext({ viewport: { width: 1280, height: 860 }, ...options });
      const page = await context.newPage();
      const base = suite.base;
      page.on('request', (r) => {
        if (!r.url().startsWith(base) && !r.url().startsWith('data:')) foreignRequests.push(r.url());
      });
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) pageErrors.push(`CSP: ${m.text()}`);
      });
      page.on('pageerror', (e) => pageErrors.push(e.message));
      return page;
    },
    async uiLogin(page, username, password) {
      await page.goto(`${suite.base}/login`);
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL('**/quests');
    },
  };
  return suite;
}

/** The balance of `currency` as the top bar shows it. */
export const balanceOf = (page: Page, currency: string) => page.locator(`[data-testid=balances] [data-balance=${currency}] .amount-value`);
