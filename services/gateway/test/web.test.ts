/** The web app at `/`: files from the build, index.html for client-side routes, never for API paths. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { App } from '@questline/platform';
import { startGateway, startUpstreams, type Upstreams } from './support/upstreams.js';

let up: Upstreams;
let gw: { app: App; url: string };
let dist: string;

before(async () => {
  dist = await mkdtemp(path.join(tmpdir(), 'web-dist-'));
  await mkdir(path.join(dist, 'assets'));
  await writeFile(path.join(dist, 'index.html'), '<!doctype html><title>Questline</title><script src="/assets/app-abc.js"></script>');
  await writeFile(path.join(dist, 'assets', 'app-abc.js'), 'console.log(1)');
  up = await startUpstreams();
  gw = await startGateway(up, { WEB_DIST_DIR: dist });
});

after(async () => {
  await gw?.app.close();
  await up?.close();
  await rm(dist, { recursive: true, force: true });
});

test('/ and client-side routes get index.html, not cached', async () => {
  for (const p of ['/', '/quests', '/admin/quests/new']) {
    const res = await fetch(gw.url + p);
    assert.equal(res.status, 200, p);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.match(await res.text(), /<title>Questline<\/title>/);
    assert.ok(res.headers.get('content-security-policy'), 'security headers on the page');
  }
});

test('hashed assets are cached for a year; a missing asset is a 404, not the page', async () => {
  const js = await fetch(`${gw.url}/assets/app-abc.js`);
  assert.equal(js.status, 200);
  assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  const missing = await fetch(`${gw.url}/assets/nope.js`);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as any).error.code, 'NOT_FOUND');
});

test('API, internal and operations paths never fall back to the page', async () => {
  for (const p of ['/api/v1/nothing-here', '/internal/quests', '/.well-known/nope']) {
    const res = await fetch(gw.url + p);
    assert.equal(res.status, 404, p);
    assert.equal(((await res.json()) as any).error.code, 'NOT_FOUND');
  }
});
