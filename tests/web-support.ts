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
import { createReadStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TestStack } from '@questline/testkit';
import { repoRoot } from '@questline/devstack';

export const webDir = path.join(repoRoot, 'apps/web');
const distDir = path.join(webDir, 'dist');

/** The URL the browser opens for a stack's web app. */
export async function webBaseUrl(stack: TestStack): Promise<string> {
  return (await localWebServer(stack)).url;
}

/** Stops the static servers webBaseUrl started (call in after()). */
export async function stopWebServers(): Promise<void> {
  const all = [...servers.values()];
  servers.clear();
  await Promise.all(all.map(async (s) => (await s).close()));
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

// The gateway's policy (services/gateway/src/app.ts): the app must run under it unchanged.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

interface WebServer {
  url: string;
  close(): Promise<void>;
}

const servers = new Map<string, Promise<WebServer>>();

function localWebServer(stack: TestStack): Promise<WebServer> {
  let server = servers.get(stack.gateway);
  if (!server) {
    server = startWebServer(stack.gateway);
    servers.set(stack.gateway, server);
  }
  return server;
}

function proxy(req: http.IncomingMessage, res: http.ServerResponse, target: URL) {
  const upstream = http.request(
    { hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'BAD_GATEWAY', message: 'the gateway cannot be reached', requestId: '' } }));
  });
  req.pipe(upstream);
}

async function serveFile(res: http.ServerResponse, file: string, cache: string) {
  res.writeHead(200, {
    'content-type': types[path.extname(file)] ?? 'application/octet-stream',
    'cache-control': cache,
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
  });
  createReadStream(file).pipe(res);
}

async function startWebServer(gateway: string): Promise<WebServer> {
  const target = new URL(gateway);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/.well-known/')) return proxy(req, res, target);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    void (async () => {
      // normalize() of an absolute path cannot climb above `/`, so the file stays inside dist.
      const file = path.join(distDir, path.normalize(decodeURIComponent(url.pathname)));
      const isFile = file.startsWith(distDir + path.sep) && (await stat(file).then((s) => s.isFile(), () => false));
      if (isFile) return serveFile(res, file, url.pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      // A missing asset is a 404; any other path is a client-side route of the app.
      if (url.pathname.startsWith('/assets/')) return void res.writeHead(404).end();
      return serveFile(res, path.join(distDir, 'index.html'), 'no-cache');
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
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
