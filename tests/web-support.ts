/**
 * Support for the browser tests: builds the web app when needed, serves it for a test stack, and
 * launches Debian's headless Chromium through playwright-core.
 *
 * The web app is served here from apps/web/dist by a tiny static server that proxies /api/* and
 * /.well-known/* to the stack's real gateway, with the gateway's own Content-Security-Policy: the
 * same thing the gateway does at `/`. Once the gateway serves the app itself, `webBaseUrl` becomes
 * `return stack.gateway;` and nothing else changes.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TestStack } from '@questline/testkit';
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
    ...(await Promise.all(['index.html', 'vite.config.ts', 'package.json'].map((f) => stat(path.join(webDir, f)).then((s) => s.mtimeMs)))),
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

/** Saves a full-page screenshot as test-results/screenshots/<name>.png (or under QUESTLINE_TEST_ARTIFACTS). */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
