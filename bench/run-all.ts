/**
 * `npm run bench`: every benchmark, one after the other (they must not share the 2 cores), then
 * docs/BENCHMARKS.md assembled from their reports in docs/benchmarks/. `--assemble-only` skips the runs.
 */
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '@questline/devstack';

const BENCHES = [
  { name: 'gateway', script: 'bench/gateway/run.ts' },
  { name: 'progress', script: 'bench/progress/run.ts' },
  { name: 'auth', script: 'bench/auth/logins.bench.ts' },
];

async function assemble() {
  const parts: string[] = [];
  for (const b of BENCHES) {
    const text = await readFile(path.join(repoRoot, 'docs/benchmarks', `${b.name}.md`), 'utf8').catch(() => `_No report yet: run \`npx tsx ${b.script}\`._\n`);
    // Each report's own title becomes a section of the whole.
    parts.push(text.replace(/^# /m, '## '));
  }
  const header = [
    '# Questline benchmarks',
    '',
    'Every figure below was produced by the command written next to it, on the machine described there',
    `(this file assembled on ${new Date().toISOString()}, ${os.cpus().length} cores, Node ${process.version}).`,
    'Benchmarks run one after the other with `npm run bench`; each writes its own report to',
    '`docs/benchmarks/<name>.md`, and this file is assembled from them. They are measurements, not tests:',
    'no test asserts a timing. Where a goal from the issues is missed, the report says why.',
    '',
  ].join('\n');
  await writeFile(path.join(repoRoot, 'docs/BENCHMARKS.md'), `${header}\n${parts.join('\n')}`);
}

if (!process.argv.includes('--assemble-only')) {
  for (const b of BENCHES) {
    process.stdout.write(`\n== ${b.name} (${b.script})\n`);
    const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, b.script)], { cwd: repoRoot, stdio: 'inherit' });
    if (res.status !== 0) process.exit(res.status ?? 1);
  }
}
await assemble();
process.stdout.write('wrote docs/BENCHMARKS.md\n');
