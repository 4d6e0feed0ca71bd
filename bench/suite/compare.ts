/**
 * docs/benchmarks/engine-v2.md: the engine issue's goals and the figures behind them, before and
 * after, side by side, from two reports of `npm run bench` (suite.json) made on one machine one
 * after the other:
 *
 *   npx tsx bench/suite/compare.ts docs/benchmarks/engine-v2-before.json docs/benchmarks/suite.json
 *
 * The "before" report is kept in the repository (the commit it measured is written in it), so that
 * a later run of the suite can be compared with it again; then BENCHMARKS.md is assembled anew.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '@questline/devstack';
import { engineGoals, type SuiteReport } from './report.js';
import { SERVICE_NAMES } from './system.js';
import { assembleBenchmarks } from './assemble.js';

const [beforeFile, afterFile] = process.argv.slice(2);
if (!beforeFile || !afterFile) {
  process.stderr.write('usage: npx tsx bench/suite/compare.ts <before suite.json> <after suite.json>\n');
  process.exit(2);
}

const read = async (file: string) => JSON.parse(await readFile(path.resolve(file), 'utf8')) as SuiteReport & { commit?: string };
const before = await read(beforeFile);
const after = await read(afterFile);
const f0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const mark = (met: boolean | null) => (met === null ? '–' : met ? 'met' : '**missed**');

const goalsBefore = engineGoals(before);
const goalsAfter = engineGoals(after);
const goalRows = goalsAfter.map((g, i) => `| ${g.measure} | ${g.goal} | ${goalsBefore[i]!.value} | ${g.value} | ${mark(g.met)} |`);

const SCENARIOS = [
  'single events (gateway)',
  'single events (direct to progress)',
  'non-paying events (gateway)',
  'paying events (gateway)',
  'batch events (gateway, 1,000 per request)',
  'GET /me/quests (gateway)',
  'GET /me/quests (direct to progress)',
  'claim',
];
const scenarioRows = SCENARIOS.flatMap((name) => {
  const b = before.results.find((s) => s.name === name);
  const a = after.results.find((s) => s.name === name);
  if (!b || !a) return [];
  const cpu = (s: typeof a) => SERVICE_NAMES.map((n) => f0(s.cpuPerRequest[n])).join(' / ');
  const all = (s: typeof a) => f0(SERVICE_NAMES.reduce((x, n) => x + s.cpuPerRequest[n], 0));
  return [`| ${name} | ${f0(b.throughput)} | ${f0(a.throughput)} | ${f0(b.p99)} / ${f0(a.p99)} ms | ${cpu(b)} (${all(b)}) | ${cpu(a)} (${all(a)}) |`];
});

const text = `# Engine v2: before and after

- before: \`${before.command}\` at ${before.date}${before.commit ? ` on commit ${before.commit}` : ''}; after: \`${after.command}\` at ${after.date}${after.commit ? ` on commit ${after.commit}` : ''} — the same machine, one run after the other, nothing else running.
- pgbench (the reference of every ratio) in each run: ${f0(before.pgbench.tps)} and ${f0(after.pgbench.tps)} tx/s.
- command: \`npx tsx bench/suite/compare.ts ${beforeFile} ${afterFile}\`

## Goals

| measure | goal | before | after | |
|---|---|---|---|---|
${goalRows.join('\n')}

## Scenarios (throughput; p99; CPU per request in µs: ${SERVICE_NAMES.join(' / ')} (all four))

| scenario | before | after | p99 before / after | CPU before | CPU after |
|---|---:|---:|---:|---:|---:|
${scenarioRows.join('\n')}
`;

await writeFile(path.join(repoRoot, 'docs/benchmarks/engine-v2.md'), text);
await assembleBenchmarks();
process.stdout.write('wrote docs/benchmarks/engine-v2.md and docs/BENCHMARKS.md\n');
