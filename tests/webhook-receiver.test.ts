/**
 * The example receiver of examples/webhook-receiver.ts, run as product teams would run it, against
 * messages signed by our own signer: what it accepts, what it refuses, and that a message delivered
 * twice is processed once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { repoRoot } from '@questline/devstack';
import { generateWebhookSecret, webhookHeaders, webhookMessage } from '@questline/platform';

const secret = generateWebhookSecret();
let child: ChildProcess;
let url = '';
let output = '';
const waiters: Array<() => void> = [];

/** Resolves once the receiver's stdout holds a line matching `pattern` (the test's own timeout bounds it). */
function outputLine(pattern: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const look = () => {
      const line = output.split('\n').find((l) => pattern.test(l));
      if (line === undefined) return false;
      resolve(line);
      return true;
    };
    if (!look()) waiters.push(() => void look());
  });
}

const countLines = (pattern: RegExp) => output.split('\n').filter((l) => pattern.test(l)).length;

before(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'examples/webhook-receiver.ts')], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', WEBHOOK_SECRET: secret, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    for (const w of waiters.splice(0)) w();
  });
  const line = await outputLine(/listening on port \d+/);
  url = `http://127.0.0.1:${/port (\d+)/.exec(line)?.[1]}/webhooks`;
});

after(async () => {
  if (child.exitCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});

function message(type: string, timestamp = Math.floor(Date.now() / 1000)) {
  return { id: `msg_${randomUUID()}`, timestamp, body: webhookMessage(type, { userId: 'u-1' }, new Date()) };
}

async function send(msg: { id: string; timestamp: number; body: string }, secrets: string[], headerOverrides: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { ...webhookHeaders(msg, secrets), ...headerOverrides }, body: msg.body });
  return { status: res.status, text: await res.text() };
}

test('a valid message is answered 200 and processed once; the same webhook-id again is 200 and not processed', async () => {
  const msg = message('quest.completed');
  assert.equal((await send(msg, [secret])).status, 200);
  await outputLine(new RegExp(`processed quest\\.completed ${msg.id}`));

  // A retry carries the same id and a fresh timestamp and signature.
  const retry = await send({ ...msg, timestamp: msg.timestamp + 1 }, [secret]);
  assert.deepEqual(retry, { status: 200, text: 'duplicate' });
  await outputLine(new RegExp(`duplicate ${msg.id}`));

  // A later message is processed after anything the duplicate could have queued: by then a second
  // processing of the first message would be in the output.
  const next = message('reward.granted');
  assert.equal((await send(next, [secret])).status, 200);
  await outputLine(new RegExp(`processed reward\\.granted ${next.id}`));
  assert.equal(countLines(new RegExp(`processed .* ${msg.id}`)), 1);
});

test('a bad signature, a tampered body or a message for another secret is refused with 401, not processed', async () => {
  const msg = message('quest.completed');
  assert.equal((await send(msg, [generateWebhookSecret()])).status, 401);
  const headers = webhookHeaders(msg, [secret]);
  const tampered = await fetch(url, { method: 'POST', headers, body: msg.body.replace('u-1', 'u-2') });
  assert.equal(tampered.status, 401);
  assert.equal((await send(msg, [secret], { 'webhook-signature': 'v1,AAAA' })).status, 401);
  const missing = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: msg.body });
  assert.equal(missing.status, 401);
  // a valid message afterwards shows the refused ones were never processed
  const next = message('user.created');
  assert.equal((await send(next, [secret])).status, 200);
  await outputLine(new RegExp(`processed user\\.created ${next.id}`));
  assert.equal(countLines(new RegExp(msg.id)), 0);
});

test('a timestamp more than 5 minutes old or ahead is refused with 401, even correctly signed', async () => {
  const now = Math.floor(Date.now() / 1000);
  const old = await send(message('quest.completed', now - 10 * 60), [secret]);
  assert.deepEqual(old, { status: 401, text: 'timestamp outside the tolerance' });
  const ahead = await send(message('quest.completed', now + 10 * 60), [secret]);
  assert.deepEqual(ahead, { status: 401, text: 'timestamp outside the tolerance' });
});

test('rotation: two signatures, only the second by the receiver secret, is accepted', async () => {
  const msg = message('wallet.debited');
  const res = await send(msg, [generateWebhookSecret(), secret]);
  assert.equal(res.status, 200);
  await outputLine(new RegExp(`processed wallet\\.debited ${msg.id}`));
});

test('a secret that is not whsec_ stops the receiver at start with a message', async () => {
  const bad = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'examples/webhook-receiver.ts')], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', WEBHOOK_SECRET: 'hunter2', PORT: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  bad.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code] = await once(bad, 'exit');
  assert.notEqual(code, 0);
  assert.match(stderr, /WEBHOOK_SECRET/);
});
