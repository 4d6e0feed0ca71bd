/**
 * serve() in a real process: SIGTERM pauses for SHUTDOWN_DELAY_MS (not ready, every answer closing
 * its connection), then drains and exits 0; an uncaught exception or unhandled rejection lets the
 * requests in flight finish, then exits 1 with the error logged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'serve-fixture.ts');

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

interface Fixture {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  logs: LogLine[];
  /** Resolves with the first log line (past or future) that matches. */
  logged(match: (line: LogLine) => boolean): Promise<LogLine>;
}

async function startFixture(shutdownDelayMs: number): Promise<Fixture> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, String(shutdownDelayMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const logs: LogLine[] = [];
  const waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const text of lines.filter(Boolean)) {
      const line = JSON.parse(text) as LogLine;
      logs.push(line);
      for (const w of waiters.filter((w) => w.match(line))) w.resolve(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const logged = (match: (line: LogLine) => boolean) =>
    new Promise<LogLine>((resolve, reject) => {
      const seen = logs.find(match);
      if (seen) return resolve(seen);
      waiters.push({ match, resolve });
      void exited.then(() => reject(new Error(`exited before logging it; logs: ${JSON.stringify(logs)}`)));
    });
  const listening = await logged((l) => /^Server listening at http:\/\/127\.0\.0\.1:\d+$/.test(l.msg));
  return { child, url: listening.msg.replace('Server listening at ', ''), exited, logs, logged };
}

const requestArrived = (fixture: Fixture, url: string) => fixture.logged((l) => l.msg === 'incoming request' && (l.req as { url?: string })?.url === url);

test('SIGTERM: the configured pause serves with readiness failing and connections closing, then the process exits 0', async () => {
  const fixture = await startFixture(1500);
  fixture.child.kill('SIGTERM');
  const draining = await fixture.logged((l) => l.msg === 'draining');
  assert.equal(draining.delayMs, 1500, 'the pause is the SHUTDOWN_DELAY_MS serve() was given');
  assert.equal(draining.signal, 'SIGTERM');
  const ready = await fetch(`${fixture.url}/readyz`);
  assert.equal(ready.status, 503);
  assert.equal(((await ready.json()) as { status: string }).status, 'draining');
  assert.equal(ready.headers.get('connection'), 'close');
  const slow = await fetch(`${fixture.url}/slow`);
  assert.deepEqual(await slow.json(), { slow: true }, 'still serving during the pause');
  assert.equal(await fixture.exited, 0);
  assert.ok(fixture.logs.some((l) => l.msg === 'stopped'));
});

test('a connection that never sent a request (a preconnect) does not hold the shutdown open', async () => {
  const fixture = await startFixture(0);
  const { port } = new URL(fixture.url);
  const idle = net.connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve, reject) => idle.once('connect', resolve).once('error', reject));
  const closed = new Promise<void>((resolve) => idle.once('close', () => resolve()));
  idle.on('error', () => undefined);
  fixture.child.kill('SIGTERM');
  assert.equal(await fixture.exited, 0);
  assert.ok(fixture.logs.some((l) => l.msg === 'stopped'), 'closed in full, not by the drain timeout');
  assert.ok(!fixture.logs.some((l) => l.msg === 'drain timed out; exiting'));
  await closed;
});

test('SIGINT then SIGTERM (Ctrl-C to the group, then npm start to each service) still closes in full; the same signal twice forces the exit', async () => {
  const fixture = await startFixture(1500);
  fixture.child.kill('SIGINT');
  await fixture.logged((l) => l.msg === 'draining');
  fixture.child.kill('SIGTERM');
  await fixture.logged((l) => l.msg === 'already closing');
  assert.equal(await fixture.exited, 0);
  assert.ok(fixture.logs.some((l) => l.msg === 'stopped'), 'the close ran to its end');

  const impatient = await startFixture(60_000);
  impatient.child.kill('SIGTERM');
  await impatient.logged((l) => l.msg === 'draining');
  impatient.child.kill('SIGTERM');
  assert.equal(await impatient.exited, 1);
  assert.ok(impatient.logs.some((l) => l.msg === 'second signal while closing; exiting now'));
});

for (const [route, message] of [
  ['/throw', 'boom from a timer'],
  ['/reject', 'boom from a promise'],
] as const) {
  test(`a fatal error (${route}) lets the request in flight finish, logs the error and exits 1`, async () => {
    const fixture = await startFixture(60_000);
    const slow = fetch(`${fixture.url}/slow`);
    await requestArrived(fixture, '/slow');
    assert.equal((await fetch(`${fixture.url}${route}`)).status, 200);
    const res = await slow;
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { slow: true });
    assert.equal(await fixture.exited, 1);
    const fatal = fixture.logs.find((l) => l.msg === 'fatal error; closing');
    assert.equal((fatal?.err as { message?: string } | undefined)?.message, message);
    assert.equal(fixture.logs.find((l) => l.msg === 'draining')?.delayMs, 0, 'no pause: the process is in an unknown state');
  });
}
