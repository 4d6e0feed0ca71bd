/**
 * The full API fuzz run: tests/fuzz-api.test.ts with FUZZ_RUNS requests (10,000 by default; the
 * test file sends 400 inside `npm test`) against a test stack on a throwaway embedded PostgreSQL,
 * then docs/FUZZ.md with the seed, the per-endpoint counts, the 5xx found and the fixed findings.
 *
 *   npx tsx bench/fuzz/run.ts [--runs=10000] [--seed=20261125]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '@questline/devstack';
import { numberArg as arg } from '../shared/args.js';

const RUNS = arg('runs', 10_000);
const SEED = arg('seed', 20261125);

interface Report {
  seed: number;
  runs: number;
  requests: number;
  fiveXX: number;
  violations: string[];
  endpoints: Record<string, { requests: number; statuses: Record<string, number> }>;
}

/** What earlier fuzz runs turned up and was fixed, with the test that keeps it fixed. */
const FIXED_FINDINGS = [
  {
    finding:
      'A URL with invalid percent-encoding (`/api/v1/rewards/%ED%A0%80`, `%ff%fe`, a lone `%`) got Fastify\'s own `{"error":"Bad Request","code":"FST_ERR_BAD_URL",...}` body with no `x-request-id` from the gateway and every service; an over-long path parameter likewise got a bare 414.',
    fix: '`packages/platform/src/app.ts`: a `frameworkErrors` handler answers router errors in the api.md shape with the request id (400 `BAD_REQUEST`, 414 `URI_TOO_LONG`).',
    test: '`packages/platform/test/app.test.ts` — "a badly percent-encoded URL or an over-long path parameter is a 4xx in the error shape"',
  },
];

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'questline-fuzz-'));
  const reportPath = path.join(dir, 'report.json');
  const command = `FUZZ_RUNS=${RUNS} FUZZ_SEED=${SEED} npx tsx scripts/test.ts --no-typecheck tests/fuzz-api.test.ts`;
  process.stdout.write(`fuzz: ${RUNS} requests, seed ${SEED}\n$ ${command}\n`);
  const started = Date.now();
  const code = await new Promise<number>((resolve) => {
    const child = spawn('npx', ['tsx', 'scripts/test.ts', '--no-typecheck', 'tests/fuzz-api.test.ts'], {
      cwd: repoRoot,
      env: { ...process.env, FUZZ_RUNS: String(RUNS), FUZZ_SEED: String(SEED), FUZZ_REPORT: reportPath },
      stdio: 'inherit',
    });
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  let report: Report;
  try {
    report = JSON.parse(await readFile(reportPath, 'utf8')) as Report;
  } catch {
    process.stderr.write('fuzz: the test run wrote no report (it failed before the fuzzing finished)\n');
    process.exit(code || 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await writeFile(path.join(repoRoot, 'docs/FUZZ.md'), render(report, command, seconds, code));
  process.stdout.write(`fuzz: ${report.requests} requests, ${report.fiveXX} 5xx, ${report.violations.length} violations; wrote docs/FUZZ.md\n`);
  process.exit(code);
}

function render(r: Report, command: string, seconds: string, code: number): string {
  const totals: Record<string, number> = {};
  for (const e of Object.values(r.endpoints)) for (const [k, n] of Object.entries(e.statuses)) totals[k] = (totals[k] ?? 0) + n;
  const byCount = (o: Record<string, number>) => Object.entries(o).sort((a, b) => b[1] - a[1]);
  const rows = Object.entries(r.endpoints)
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([name, e]) => `| \`${name}\` | ${e.requests} | ${byCount(e.statuses).map(([k, n]) => `${k} ×${n}`).join(', ')} |`);
  return `# API fuzzing

Property-based requests (fast-check) against every public route of the gateway (its route table,
\`services/gateway/src/routes/route-table.ts\`, with the methods of its OpenAPI document; the test fails when a route
has no generator) through the real gateway and the four real services (\`tests/fuzz-api.test.ts\`, generators in
\`tests/fuzz-support.ts\`), plus unknown routes, wrong methods and \`/internal\` paths: malformed JSON,
wrong types, huge numbers (1e308, 1e400, -0, 2^63), numeric-looking strings, unicode (emoji, RTL marks, NUL, lone
surrogates), nesting up to 20,000 deep, strings up to ~100 KB and bodies over the 1 MiB limit, wrong content types and
encodings, missing/garbage/expired/forged/tampered/\`alg: none\` tokens and correctly signed tokens with odd claims,
bad path parameters (uuids, seeded keys, \`..\`, \`%2F\`, bad percent-encoding, 5,000 chars) and bad query strings
(\`limit=-1\`, garbage cursors, repeated keys), plus valid player and admin tokens and near-valid bodies so that requests
reach validation, the domain and SQL.

**Property**: no response is a 5xx; every 4xx is \`{"error": {"code", "message", "requestId"}}\` with \`requestId\` equal to
the \`x-request-id\` header; afterwards every service's \`/healthz\` is 200 and a new user can sign up, log in and read
\`GET /api/v1/me\` (and the admin can still log in).

- Date: ${new Date().toISOString()}
- Command: \`${command}\` (\`npm run fuzz\`); \`npm test\` runs the same file with 400 requests
- Machine: ${os.cpus().length} cores, Node ${process.version}
- Seed: ${r.seed}
- Requests: ${r.requests} (in ${seconds} s, including the stack start)
- 5xx responses: **${r.fiveXX}**
- Property violations: **${r.violations.length}**${code === 0 ? '' : ` (the test run failed, exit code ${code})`}
${r.violations.length ? `\n\`\`\`\n${r.violations.slice(0, 20).join('\n')}\n\`\`\`\n` : ''}
## Responses by endpoint

| endpoint | requests | responses (status and error code) |
|---|---|---|
${rows.join('\n')}

All endpoints: ${byCount(totals).map(([k, n]) => `${k} ×${n}`).join(', ')}.

## Findings fixed

| finding | fix | guarded by |
|---|---|---|
${FIXED_FINDINGS.map((f) => `| ${f.finding} | ${f.fix} | ${f.test} |`).join('\n')}

Reproduce a failure with the same \`FUZZ_SEED\` and \`FUZZ_RUNS\`: the generated requests depend only on those two.
`;
}

void main();
