/**
 * `npm run bench:all`: the whole-system benchmark and every focused one, one after the other (they
 * must not share the 2 cores), then docs/BENCHMARKS.md assembled from their reports.
 * `--assemble-only` skips the runs.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '@questline/devstack';
import { FOCUSED, assembleBenchmarks } from './suite/assemble.js';

if (!process.argv.includes('--assemble-only')) {
  for (const b of [{ name: 'suite', script: 'bench/suite/run.ts' }, ...FOCUSED]) {
    process.stdout.write(`\n== ${b.name} (${b.script})\n`);
    const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, b.script)], { cwd: repoRoot, stdio: 'inherit' });
    if (res.status !== 0) process.exit(res.status ?? 1);
  }
}
await assembleBenchmarks();
process.stdout.write('wrote docs/BENCHMARKS.md\n');
