/**
 * A service started by devstack writes its log to its own file (LOG_FILE = <logDir>/<name>.log)
 * without its stdout passing through this process; a cause of death is read from what it wrote
 * in this run only. The gateway needs no database: a real process, real requests, the real file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, spawnService, waitReady } from '../src/processes.js';
import { readLinesFrom, startupCause } from '../src/startup-cause.js';

interface LogLine {
  level: number;
  msg: string;
  service?: string;
  requestId?: string;
  req?: { url?: string };
}

const parse = (text: string) => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);

test("a started service's request lines at info land in its own log file, and nothing of its stdout reaches the orchestrator", async () => {
  const logDir = await mkdtemp(path.join(tmpdir(), 'questline-service-log-'));
  const peer = `http://127.0.0.1:${await freePort()}`;
  const env = { NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(await freePort()), LOG_LEVEL: 'info', INTERNAL_TOKEN: 'x'.repeat(24), AUTH_URL: peer, CATALOG_URL: peer, PROGRESS_URL: peer };
  const gateway = await spawnService('gateway', env, logDir);
  try {
    assert.equal(gateway.logFile, path.join(logDir, 'gateway.log'));
    assert.equal(gateway.child.stdout, null, 'stdout is the file itself, not a pipe to this process');
    await waitReady(gateway);
    const ids = ['own-file-1', 'own-file-2', 'own-file-3'];
    for (const id of ids) assert.equal((await fetch(`${gateway.url}/healthz`, { headers: { 'x-request-id': id } })).status, 200);
    // The service writes asynchronously: wait for the lines rather than race them.
    const deadline = Date.now() + 15_000;
    let lines: LogLine[] = [];
    while (Date.now() < deadline) {
      lines = parse(await readFile(gateway.logFile, 'utf8'));
      if (ids.every((id) => lines.some((l) => l.requestId === id && l.msg === 'request completed'))) break;
      await sleep(50);
    }
    for (const id of ids) {
      const incoming = lines.find((l) => l.requestId === id && l.msg === 'incoming request');
      assert.equal(incoming?.level, 30, `${id}: its incoming line, at info`);
      assert.equal(incoming?.service, 'gateway');
      assert.equal(incoming?.req?.url, '/healthz');
      assert.ok(lines.some((l) => l.requestId === id && l.msg === 'request completed'), `${id}: its completed line`);
    }
  } finally {
    assert.equal(await gateway.stop(), 0);
  }
  const after = parse(await readFile(gateway.logFile, 'utf8'));
  assert.equal(after.at(-1)?.msg, 'stopped', 'its last line is in the file once it has exited');
});

test('the lines of a cause are read from where this run began, past an earlier run\'s error', async () => {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'questline-service-log-')), 'catalog.log');
  await writeFile(file, `${JSON.stringify({ level: 50, msg: 'an earlier run failed', err: { message: 'old' } })}\n`);
  const from = (await readFile(file)).length;
  assert.deepEqual(startupCause([], readLinesFrom(file, from)), [], 'nothing of this run yet');
  await appendFile(file, `${JSON.stringify({ level: 30, msg: 'starting' })}\n${JSON.stringify({ level: 60, msg: 'fatal error; closing', err: { message: 'this run' } })}\n`);
  assert.deepEqual(startupCause([], readLinesFrom(file, from)), ['fatal error; closing: this run']);
  // A file rotated away since (shorter than where the run began): read from its start.
  await writeFile(file, `${JSON.stringify({ level: 50, msg: 'after rotation', err: { message: 'new file' } })}\n`);
  assert.deepEqual(startupCause([], readLinesFrom(file, from)), ['after rotation: new file']);
  assert.deepEqual(readLinesFrom(path.join(path.dirname(file), 'missing.log'), 0), []);
});
