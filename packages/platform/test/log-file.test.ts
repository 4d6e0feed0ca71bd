/**
 * LOG_FILE in a real process (startService): the service writes its log lines — request lines at
 * info among them — to the file itself, not to stdout; the last lines are in the file when it has
 * exited, after a SIGTERM and after a fatal error; SIGHUP reopens the file by its path (rotation);
 * a file that cannot be opened stops the start with one line naming the key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'log-file-fixture.ts');

interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  err?: { message?: string };
}

interface Fixture {
  child: ChildProcess;
  exited: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
}

function run(logFile: string): Fixture {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, logFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

async function lines(file: string): Promise<LogLine[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine);
}

/** Polls the file until a line matches: the writes are asynchronous. */
async function logged(file: string, match: (l: LogLine) => boolean, what: string): Promise<LogLine> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const found = (await lines(file)).find(match);
    if (found) return found;
    await sleep(50);
  }
  throw new Error(`${file} never logged ${what}: ${JSON.stringify(await lines(file))}`);
}

async function listening(file: string): Promise<string> {
  const line = await logged(file, (l) => /^Server listening at http:\/\/127\.0\.0\.1:\d+$/.test(l.msg), 'that it listens');
  return line.msg.replace('Server listening at ', '');
}

const dir = () => mkdtemp(path.join(tmpdir(), 'questline-log-file-'));

test('request lines at info go to LOG_FILE (its directory made), nothing to stdout; "stopped" is in the file once it exited', async () => {
  const file = path.join(await dir(), 'logs', 'fixture.log');
  const fixture = run(file);
  const url = await listening(file);
  const res = await fetch(`${url}/hello`, { headers: { 'x-request-id': 'to-the-file-1' } });
  assert.equal(res.status, 200);
  const done = await logged(file, (l) => l.requestId === 'to-the-file-1' && l.msg === 'request completed', 'the request');
  assert.equal(done.level, 30, 'at info');
  fixture.child.kill('SIGTERM');
  assert.equal(await fixture.exited, 0);
  const all = await lines(file);
  assert.equal(all.at(-1)?.msg, 'stopped', 'the last line was flushed before the exit');
  assert.equal(fixture.stdout(), '', 'nothing on stdout');
  assert.equal(fixture.stderr(), '');
});

test('a fatal error: the error and the last lines are in the file when the process has exited 1', async () => {
  const file = path.join(await dir(), 'fixture.log');
  const fixture = run(file);
  const url = await listening(file);
  assert.equal((await fetch(`${url}/throw`)).status, 200);
  assert.equal(await fixture.exited, 1);
  const all = await lines(file);
  assert.equal(all.find((l) => l.msg === 'fatal error; closing')?.err?.message, 'boom from a timer');
  assert.equal(all.at(-1)?.msg, 'stopped');
});

test('SIGHUP reopens the file by its path: after a rename, new lines go to a new file', async () => {
  const file = path.join(await dir(), 'fixture.log');
  const fixture = run(file);
  const url = await listening(file);
  await fetch(`${url}/hello`, { headers: { 'x-request-id': 'before-rotation' } });
  await logged(file, (l) => l.requestId === 'before-rotation' && l.msg === 'request completed', 'the first request');
  await rename(file, `${file}.1`);
  fixture.child.kill('SIGHUP');
  // The reopen is asynchronous: requests until one lands in the new file.
  const deadline = Date.now() + 15_000;
  let fresh: LogLine | undefined;
  for (let i = 0; !fresh && Date.now() < deadline; i++) {
    await fetch(`${url}/hello`, { headers: { 'x-request-id': `after-rotation-${i}` } });
    await sleep(50);
    fresh = (await lines(file)).find((l) => l.requestId?.startsWith('after-rotation-'));
  }
  assert.ok(fresh, 'a request after the SIGHUP is logged in the new file');
  assert.ok(!(await lines(file)).some((l) => l.requestId === 'before-rotation'), 'the new file starts empty');
  assert.ok((await lines(`${file}.1`)).some((l) => l.requestId === 'before-rotation'), 'the rotated file keeps the old lines');
  assert.equal(fixture.child.exitCode, null, 'SIGHUP does not end the process');
  fixture.child.kill('SIGTERM');
  assert.equal(await fixture.exited, 0);
});

test('a LOG_FILE that cannot be opened stops the start with one line naming the key (exit 78)', async () => {
  const blocker = path.join(await dir(), 'a-file');
  await writeFile(blocker, 'not a directory');
  const fixture = run(path.join(blocker, 'fixture.log'));
  assert.equal(await fixture.exited, 78);
  assert.match(fixture.stderr(), /^fixture: invalid configuration: LOG_FILE cannot be opened: \S.*\n$/);
});
