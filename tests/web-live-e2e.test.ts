/**
 * The quests page on the live stream, in a real headless Chromium against the four real services:
 * a completion shows with its toasts and no reload or poll, a cut stream is opened again with a new
 * ticket, and a server without the stream is polled instead.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { apiClient, eventually } from '@questline/testkit';
import { apiPath, balanceOf, failRequests, screenshot, waitForText, webSuite } from './web-support.js';

// Names that exist in the page, where page.evaluate runs these functions (this file is type-checked
// without the DOM library, like the rest of the repository).
declare const window: Record<string, unknown>;

const password = 'correct-horse-battery';

const web = webSuite('weblive');

describe('live updates on the quests page', () => {
  const http = () => apiClient(web.stack.gateway);
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

    const page = await web.newPage();
    const requests: { method: string; url: string }[] = [];
    page.on('request', (r) => requests.push({ method: r.method(), url: r.url() }));
    await web.uiLogin(page, username, password);
    await page.locator('[data-stream=live]').waitFor();
    const liveAt = Date.now();
    const daily = page.locator('[data-quest=daily-login]');
    await daily.locator('.quest-meta', { hasText: 'Completed once' }).waitFor();
    await waitForText(balanceOf(page, 'gold'), '10');
    const toasts = page.getByTestId('toasts');
    assert.equal(await toasts.getAttribute('role'), 'status');
    assert.equal(await toasts.getAttribute('aria-live'), 'polite');
    assert.equal(await toasts.locator('.toast').count(), 0, 'the snapshot raises no toast');
    // A reload would lose this.
    await page.evaluate(() => {
      window.questlineMarker = 'same document';
    });

    const adminToken = (await http()('POST', '/api/v1/auth/login', { body: web.stack.admin })).body.accessToken as string;
    const backfill = await http()('POST', '/api/v1/admin/events', {
      token: adminToken,
      body: { events: [{ id: `yesterday-${username}`, userId, type: 'login', occurredAt: yesterdayNoon() }] },
    });
    assert.equal(backfill.status, 200, JSON.stringify(backfill.body));

    const questToast = toasts.locator('.toast', { hasText: 'Quest complete: Daily Login' });
    await questToast.waitFor();
    await toasts.locator('.toast', { hasText: 'Reward: +10 gold' }).waitFor();
    await waitForText(balanceOf(page, 'gold'), '20');
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
    const page = await web.newPage();
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
    await web.uiLogin(page, username, password);
    await page.locator('[data-stream=live]').waitFor({ timeout: 15_000 });
    await waitForText(balanceOf(page, 'gold'), '20');
    assert.ok(streams.length >= 2, `streams opened: ${streams.length}`);
    assert.equal(new Set(streams).size, streams.length, 'every stream had its own ticket');
    assert.equal(ticketPosts, streams.length, 'one ticket per stream');
    await page.context().close();
  });

  test('a server without the stream (404 on the ticket): the page falls back to polling', async () => {
    const page = await web.newPage();
    const streams: string[] = [];
    let listGets = 0;
    page.on('request', (r) => {
      if (isStream(r.url())) streams.push(r.url());
      if (r.method() === 'GET' && new URL(r.url()).pathname === '/api/v1/me/quests') listGets += 1;
    });
    await failRequests(page, apiPath('/api/v1/me/stream-tickets'), 404, { code: 'NOT_FOUND', message: 'no such route', requestId: 'e2e-no-stream' });
    await web.uiLogin(page, username, password);
    await page.locator('[data-stream=polling]').waitFor();
    await page.locator('[data-quest=daily-login]').waitFor();
    await waitForText(balanceOf(page, 'gold'), '20');
    await eventually(async () => listGets >= 2, 15_000, 'the list asked for again by the poll');
    assert.deepEqual(streams, [], 'no stream is tried after a 404');
    await page.context().close();
  });

  test('nothing was loaded from another origin, and no page broke the security policy or threw', () => {
    assert.deepEqual(web.foreignRequests, []);
    assert.deepEqual(web.pageErrors, []);
  });
});
