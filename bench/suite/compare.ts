/**
 * docs/benchmarks/engine-v2.md: the engine issue's goals and the figures behind them, before and
 * after, side by side, from two reports of `npm run bench` (suite.json) made on one machine one
 * after the other:
 *
 *   npx tsx bench/suite/compare.ts [--stdout] docs/benchmarks/engine-v2-before.json docs/benchmarks/suite.json
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

/** --stdout: print the comparison instead of writing docs/ (to look at two runs without touching the docs). */
const STDOUT = process.argv.includes('--stdout');
const [beforeFile, afterFile] = process.argv.slice(2).filter((a) => a !== '--stdout');
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
// The scale phase's scenarios are named by their size, which may differ between the two runs;
// reports from before the phase existed have none (their column says so).
const SCALE = [
  ['single events (gateway, scale phase)', (r: SuiteReport) => r.scale?.singleName],
  ['GET /me/quests (gateway, scale phase)', (r: SuiteReport) => r.scale?.questsName],
] as const;
const named = (r: SuiteReport, name: string) => r.results.find((s) => s.name === (SCALE.find(([label]) => label === name)?.[1](r) ?? name));
const scenarioRows = [...SCENARIOS, ...SCALE.map(([label]) => label)].flatMap((name) => {
  const b = named(before, name);
  const a = named(after, name);
  if (!a && !b) return [];
  if (!b || !a) {
    const only = (b ?? a)!;
    return [`| ${name} | ${b ? f0(b.throughput) : 'not measured'} | ${a ? f0(a.throughput) : 'not measured'} | ${f0(only.p99)} ms (${b ? 'before' : 'after'} only) | – | – |`];
  }
  const cpu = (s: typeof a) => SERVICE_NAMES.map((n) => f0(s.cpuPerRequest[n])).join(' / ');
  const all = (s: typeof a) => f0(SERVICE_NAMES.reduce((x, n) => x + s.cpuPerRequest[n], 0));
  return [`| ${name} | ${f0(b.throughput)} | ${f0(a.throughput)} | ${f0(b.p99)} / ${f0(a.p99)} ms | ${cpu(b)} (${all(b)}) | ${cpu(a)} (${all(a)}) |`];
});

const text = `# Engine v2: before and after

- before: \`${before.command}\` at ${before.date}${before.commit ? ` on commit ${before.commit}` : ''}; after: \`${after.command}\` at ${after.date}${after.commit ? ` on commit ${after.commit}` : ''} — the same machine, nothing else running during either (runs hours apart differ by up to ~20 %: compare the ratios).
- pgbench (the reference of every ratio) in each run: ${f0(before.pgbench.tps)} and ${f0(after.pgbench.tps)} tx/s.
- scale phase: ${[before, after].map((r, i) => `${i ? 'after' : 'before'} ${r.scale ? `${f0(r.scale.users)} users and ${r.scale.quests} quests, ${f0(r.scale.seeded.users)} seeded in ${((r.scale.seeded.insertMs + r.scale.seeded.vacuumMs) / 1000).toFixed(1)} s` : 'not run'}`).join('; ')}.
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

if (STDOUT) {
  process.stdout.write(text);
} else {
  await writeFile(path.join(repoRoot, 'docs/benchmarks/engine-v2.md'), text);
  await assembleBenchmarks();
  process.stdout.write('wrote docs/benchmarks/engine-v2.md and docs/BENCHMARKS.md\n');
}
