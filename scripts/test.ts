/**
 * `npm test`: type-check, start a throwaway embedded PostgreSQL, run every test file with node's
 * test runner (unit tests and the integration tests that start the real services), clean up.
 * Extra arguments are test files or directories to run instead of all of them.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, repoRoot, startEmbeddedPostgres } from '@questline/devstack';

async function findTests(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.name === 'node_modules') continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await findTests(full)));
    else if (e.name.endsWith('.test.ts')) out.push(full);
  }
  return out.sort();
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main() {
  const args = process.argv.slice(2);
  // --no-typecheck skips tsc and eslint (for quick local runs; CI always runs them).
  const skipTypecheck = args.includes('--no-typecheck');
  const targets = args.filter((a) => !a.startsWith('--'));
  const roots = targets.length ? targets : ['packages', 'services', 'tests', 'scripts'].map((d) => path.join(repoRoot, d));
  const files: string[] = [];
  // A mistyped path must not pass as a green run of nothing: each one given has to hold tests.
  const empty: string[] = [];
  for (const root of roots) {
    const full = path.resolve(root);
    const info = await stat(full).catch(() => null);
    const found = info?.isFile() ? [full] : info?.isDirectory() ? await findTests(full) : [];
    if (!info) empty.push(`no such test file or directory: ${root}`);
    else if (found.length === 0) empty.push(`no test files (*.test.ts) in ${root}`);
    files.push(...found);
  }
  if (targets.length > 0 && empty.length > 0) {
    process.stderr.write(empty.map((l) => `${l}\n`).join(''));
    process.exit(1);
  }
  if (files.length === 0) {
    process.stderr.write('no test files found\n');
    process.exit(1);
  }

  if (!skipTypecheck) {
    process.stdout.write('type-checking (tsc --noEmit, strict)...\n');
    const tscBin = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
    for (const project of ['tsconfig.json', 'apps/web']) {
      const tsc = await run(process.execPath, [tscBin, '--noEmit', '-p', project]);
      if (tsc !== 0) process.exit(tsc);
    }
    process.stdout.write('linting (eslint)...\n');
    const lint = await run(process.execPath, [path.join(repoRoot, 'node_modules/eslint/bin/eslint.js'), '--max-warnings=0', '.']);
    if (lint !== 0) process.exit(lint);
  }

  // The browser tests drive Debian's chromium; install it on a machine that lacks it.
  if (!existsSync('/usr/bin/chromium')) {
    const setup = await run('bash', [path.join(repoRoot, 'scripts/setup-browser.sh')]);
    if (setup !== 0) process.exit(setup);
  }

  const base = await mkdtemp(path.join(tmpdir(), 'questline-test-'));
  const port = await freePort();
  process.stdout.write(`starting test PostgreSQL on 127.0.0.1:${port}...\n`);
  const pg = await startEmbeddedPostgres({ dir: path.join(base, 'pg'), port, password: randomBytes(12).toString('hex'), ephemeral: true });
  let code: number;
  try {
    code = await run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
      ...process.env,
      QUESTLINE_TEST_PG_URL: pg.url,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
      QUESTLINE_TEST_ARTIFACTS: path.join(repoRoot, 'test-results'),
    });
  } finally {
    await pg.stop().catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  }
  process.exit(code);
}

void main();
