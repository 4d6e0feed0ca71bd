/**
 * docs/BENCHMARKS.md: the whole-system report (docs/benchmarks/suite.md, from `npm run bench`)
 * first, then the focused benchmarks' own reports, each as its own section with its own command.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '@questline/devstack';

export const FOCUSED = [
  { name: 'gateway', script: 'bench/gateway/run.ts', npm: 'npm run bench:gateway' },
  { name: 'progress', script: 'bench/progress/run.ts', npm: 'npm run bench:progress' },
  { name: 'auth', script: 'bench/auth/logins.bench.ts', npm: 'npm run bench:auth' },
  { name: 'syscalls', script: 'bench/suite/syscalls.ts', npm: 'npm run bench:syscalls' },
  { name: 'state-reads', script: 'bench/progress/state-reads.ts', npm: 'npm run bench:state-reads' },
];

export async function assembleBenchmarks(): Promise<void> {
  const read = (name: string, how: string) =>
    readFile(path.join(repoRoot, 'docs/benchmarks', `${name}.md`), 'utf8').catch(() => `# ${name}\n\n_No report yet: run \`${how}\`._\n`);
  const parts = [await read('suite', 'npm run bench')];
  // The engine issue's before/after comparison (bench/suite/compare.ts), when one was made.
  const engine = await readFile(path.join(repoRoot, 'docs/benchmarks/engine-v2.md'), 'utf8').catch(() => null);
  if (engine) parts.push(engine);
  for (const b of FOCUSED) parts.push(await read(b.name, b.npm));
  const header = [
    '# Questline benchmarks',
    '',
    'Every figure below was produced by the command written next to it, on the machine described there.',
    '`npm run bench` measures the whole system and writes the first section; the focused benchmarks that',
    'follow dig into one part each (`npm run bench:all` re-runs all of them, one after the other: they must',
    'not share the 2 cores). Each writes its own report to `docs/benchmarks/<name>.md`, and this file is',
    'assembled from them. They are measurements, not tests: no test asserts a timing. Where a target is',
    'missed, the report says why and what would reach it. Failure testing: [RELIABILITY.md](RELIABILITY.md)',
    '(`npm run chaos`) and [FUZZ.md](FUZZ.md) (`npm run fuzz`).',
    '',
  ].join('\n');
  // Each report's headings go one level down: its title becomes a section of the whole.
  const demoted = parts.map((p) => p.replace(/^(#+) /gm, '#$1 '));
  await writeFile(path.join(repoRoot, 'docs/BENCHMARKS.md'), `${header}\n${demoted.join('\n')}`);
}
