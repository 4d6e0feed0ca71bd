/**
 * The SDK as a product team installs it: `npm pack` (which builds dist/ through prepack) gives a
 * tarball holding the ESM build, its declarations, the OpenAPI document, README and LICENSE, and
 * nothing of the sources or tests; unpacked into a project's node_modules it imports by its package
 * name from plain Node and type-checks from TypeScript with Node's own module resolution.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '@questline/devstack';

const run = promisify(execFile);
const sdkDir = path.join(repoRoot, 'packages/sdk');
let work: string;
let tarball: string;

before(async () => {
  // Inside the repository, so that the package's own dependencies resolve from its node_modules as
  // they would from the consumer's after `npm install @questline/sdk`.
  await mkdir(path.join(repoRoot, '.data'), { recursive: true });
  work = await mkdtemp(path.join(repoRoot, '.data', 'sdk-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: sdkDir, maxBuffer: 16 * 1024 * 1024 });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = path.join(work, packed!.filename);
  await writeFile(path.join(work, 'files.json'), JSON.stringify(packed!.files.map((f) => f.path)));
  const target = path.join(work, 'node_modules/@questline/sdk');
  await mkdir(target, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

test('the tarball holds the build, its types, the document, README and LICENSE, and no sources or tests', async () => {
  const files = JSON.parse(await readFile(path.join(work, 'files.json'), 'utf8')) as string[];
  for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/webhooks.js', 'dist/webhooks.d.ts', 'openapi.json', 'README.md', 'LICENSE', 'package.json']) {
    assert.ok(files.includes(f), `${f} is published`);
  }
  assert.deepEqual(files.filter((f) => /^(src|test)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts')), [], 'no sources or tests');
  const manifest = JSON.parse(await readFile(path.join(work, 'node_modules/@questline/sdk/package.json'), 'utf8')) as { license: string };
  assert.equal(manifest.license, 'Apache-2.0');
});

test('imports by its name from plain Node: the client, its errors and the webhook verifier', async () => {
  const script = `
    import { createQuestline, QuestlineError, isQuestlineError } from '@questline/sdk';
    import { verifyWebhook, WebhookVerificationError } from '@questline/sdk/webhooks';
    const server = createQuestline({ baseUrl: 'http://127.0.0.1:9', apiKey: 'qlk_00000000_${'0'.repeat(43)}' });
    let refused;
    try { verifyWebhook({ secret: 'whsec_' + Buffer.from('k'.repeat(32)).toString('base64'), headers: {}, body: '{}' }); } catch (e) { refused = e; }
    const err = new QuestlineError({ code: 'NOT_FOUND', status: 404, message: 'x' });
    console.log(JSON.stringify({
      server: typeof server.sendEvent, guard: isQuestlineError(err, 'NOT_FOUND'),
      refused: refused instanceof WebhookVerificationError ? refused.reason : String(refused),
    }));`;
  await writeFile(path.join(work, 'consumer.mjs'), script);
  const { stdout } = await run(process.execPath, ['consumer.mjs'], { cwd: work });
  assert.deepEqual(JSON.parse(stdout), { server: 'function', guard: true, refused: 'missing-headers' });
});

test('type-checks from a TypeScript project with nodenext resolution; a wrong call is a type error', async () => {
  const good = `import { createQuestline, type QuestlineErrorCode } from '@questline/sdk';
import type { WebhookMessage } from '@questline/sdk/webhooks';
const player = createQuestline({ baseUrl: 'https://example.com', getSession: () => ({ refreshToken: 'r' }) });
export const quests = () => player.myQuests();
export const code: QuestlineErrorCode = 'INSUFFICIENT_FUNDS';
export type M = WebhookMessage;
`;
  const bad = `import { createQuestline } from '@questline/sdk';
const server = createQuestline({ baseUrl: 'https://example.com', apiKey: 'k' });
export const wrong = server.debit('user', { currency: 'gold', amount: 'ten', reason: 'x', idempotencyKey: 'k' });
`;
  await writeFile(path.join(work, 'good.ts'), good);
  await writeFile(path.join(work, 'bad.ts'), bad);
  const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
  const flags = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2023,dom', '--types', 'node', '--skipLibCheck', 'false'];
  await run(process.execPath, [tsc, ...flags, 'good.ts'], { cwd: work });
  const failed = await run(process.execPath, [tsc, ...flags, 'bad.ts'], { cwd: work }).then(
    () => null,
    (e: { stdout: string }) => e.stdout,
  );
  assert.match(failed ?? 'compiled', /bad\.ts.*error TS2322|bad\.ts.*error TS\d+.*amount/s, 'a string amount does not compile');
});
