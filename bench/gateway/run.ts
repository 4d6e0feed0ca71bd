/**
 * Gateway overhead: the same read endpoint (GET /api/v1/quests, served by the catalog) hit
 * directly and through the gateway, in one run, with the same connections and duration. Phases
 * alternate (direct, gateway, direct, gateway, ...) so that drift on a shared machine hits both
 * sides alike. Starts its own embedded PostgreSQL and the four services on free ports in a temp
 * dir, and stops everything at the end.
 *
 *   npx tsx bench/gateway/run.ts [--seconds=10] [--connections=16] [--rounds=2]
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { ensureDatabases, freePort, repoRoot, startEmbeddedPostgres, startStack, takeOverShutdownSignals, type EmbeddedServer, type Stack } from '@questline/devstack';
import { generateSigningJwk } from '@questline/testkit';
import { cpuMs } from '../shared/proc.js';
import { buildServices } from '../../scripts/build-services.js';
import { numberArg as arg } from '../shared/args.js';

const SECONDS = arg('seconds', 10);
const CONNECTIONS = arg('connections', 16);
const ROUNDS = arg('rounds', 2);
const WARMUP_SECONDS = 2;
const PATH = '/api/v1/quests';

interface Phase {
  reqPerSec: number;
  p50: number;
  p99: number;
  total: number;
  failed: number;
  /** CPU time (user + system) per request of the gateway and catalog processes, in µs. */
  cpu: { gateway: number; catalog: number };
}

/** CPU seconds a process has used so far (Linux /proc; NaN elsewhere). */
const cpuSeconds = async (pid: number | undefined) => (await cpuMs(pid)) / 1000;

async function load(url: string, seconds: number, pids: { gateway?: number; catalog?: number } = {}): Promise<Phase> {
  const before = { gateway: await cpuSeconds(pids.gateway), catalog: await cpuSeconds(pids.catalog) };
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds, pipelining: 1, timeout: 10 });
  const perRequest = async (pid: number | undefined, start: number) => ((await cpuSeconds(pid)) - start) * 1e6 / Math.max(1, r.requests.total);
  return {
    reqPerSec: r.requests.total / (r.duration || seconds),
    p50: r.latency.p50,
    p99: r.latency.p99,
    total: r.requests.total,
    failed: r.non2xx + r.errors + r.timeouts,
    cpu: { gateway: await perRequest(pids.gateway, before.gateway), catalog: await perRequest(pids.catalog, before.catalog) },
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

async function main() {
  const base = await mkdtemp(path.join(os.tmpdir(), 'questline-bench-gateway-'));
  let pg: EmbeddedServer | undefined;
  let stack: Stack | undefined;
  const cleanUp = async () => {
    await stack?.stop().catch(() => undefined);
    await pg?.stop().catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  };
  takeOverShutdownSignals(() => void cleanUp().finally(() => process.exit(130)));
  try {
    process.stdout.write(`starting PostgreSQL and the services in ${base}...\n`);
    pg = await startEmbeddedPostgres({ dir: path.join(base, 'pg'), port: await freePort(), password: randomBytes(12).toString('hex'), ephemeral: true });
    const urls = await ensureDatabases(pg.url, ['questline_auth', 'questline_catalog', 'questline_progress']);
    await buildServices();
    stack = await startStack({
      // What npm start and the images run: the bundles, with plain Node.
      runtime: 'bundle',
      ports: { gateway: await freePort(), auth: await freePort(), catalog: await freePort(), progress: await freePort() },
      databases: { auth: urls.questline_auth!, catalog: urls.questline_catalog!, progress: urls.questline_progress! },
      internalToken: randomBytes(24).toString('hex'),
      apiKeyHashSecret: randomBytes(32).toString('base64url'),
      webhookSecretKey: randomBytes(32).toString('base64url'),
      jwtPrivateJwk: await generateSigningJwk(),
      admin: { username: 'admin', password: randomBytes(12).toString('hex') },
      nodeEnv: 'production',
      logLevel: 'warn',
      logDir: path.join(base, 'logs'),
      // One client address makes all the load: the per-IP limit would measure itself, not the proxy.
      extraEnv: { gateway: { RATE_LIMIT_MAX: '1000000000' } },
    });
    const direct = `${stack.urls.catalog}${PATH}`;
    const gateway = `${stack.urls.gateway}${PATH}`;
    const sample = (await (await fetch(gateway)).json()) as { items: unknown[] };
    process.stdout.write(`GET ${PATH} answers ${sample.items.length} quests; warming up...\n`);
    await load(direct, WARMUP_SECONDS);
    await load(gateway, WARMUP_SECONDS);

    const rounds: Array<{ direct: Phase; gateway: Phase }> = [];
    for (let i = 0; i < ROUNDS; i++) {
      process.stdout.write(`round ${i + 1}/${ROUNDS}: direct ${SECONDS} s, then gateway ${SECONDS} s\n`);
      const pids = { gateway: stack.services.gateway.child.pid, catalog: stack.services.catalog.child.pid };
      const d = await load(direct, SECONDS, pids);
      const g = await load(gateway, SECONDS, pids);
      rounds.push({ direct: d, gateway: g });
    }
    const report = render(rounds, sample.items.length);
    process.stdout.write(`\n${report}\n`);
    await mkdir(path.join(repoRoot, 'docs/benchmarks'), { recursive: true });
    await writeFile(path.join(repoRoot, 'docs/benchmarks/gateway.md'), report);
  } finally {
    await cleanUp();
  }
}

const f0 = (x: number) => Math.round(x).toLocaleString('en-US');

function render(rounds: Array<{ direct: Phase; gateway: Phase }>, quests: number): string {
  const argv = process.argv.slice(2).join(' ');
  const d = { rps: mean(rounds.map((r) => r.direct.reqPerSec)), p50: mean(rounds.map((r) => r.direct.p50)), p99: mean(rounds.map((r) => r.direct.p99)) };
  const g = { rps: mean(rounds.map((r) => r.gateway.reqPerSec)), p50: mean(rounds.map((r) => r.gateway.p50)), p99: mean(rounds.map((r) => r.gateway.p99)) };
  const us = (x: number) => (Number.isFinite(x) ? `${f0(x)} µs` : 'n/a');
  const rows = rounds.flatMap((r, i) => [
    `| ${i + 1} | direct (catalog) | ${f0(r.direct.reqPerSec)} | ${r.direct.p50} ms | ${r.direct.p99} ms | ${r.direct.total} / ${r.direct.failed} | – | ${us(r.direct.cpu.catalog)} |`,
    `| ${i + 1} | through the gateway | ${f0(r.gateway.reqPerSec)} | ${r.gateway.p50} ms | ${r.gateway.p99} ms | ${r.gateway.total} / ${r.gateway.failed} | ${us(r.gateway.cpu.gateway)} | ${us(r.gateway.cpu.catalog)} |`,
  ]);
  const gwCpu = mean(rounds.map((r) => r.gateway.cpu.gateway));
  const catCpu = mean(rounds.map((r) => r.direct.cpu.catalog));
  return `# Gateway overhead benchmark

- command: \`npx tsx bench/gateway/run.ts${argv ? ` ${argv}` : ''}\` (npm script: \`npm run bench:gateway\`)
- date: ${new Date().toISOString()}
- machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} (1/5/15 min)
- setup: embedded PostgreSQL and the four services as processes, bundled as \`npm start\` runs them (NODE_ENV=production, log level warn), the seeded catalog (${quests} published quests). \`GET ${PATH}\` (anonymous, no If-None-Match) with autocannon, ${CONNECTIONS} connections, ${SECONDS} s per phase after a ${WARMUP_SECONDS} s warm-up of each side; ${rounds.length} rounds, direct and gateway alternating. The gateway's per-IP limit is raised for the run (all load comes from one address); everything else is its default (helmet, CORS, rate-limit bookkeeping, path checks, circuit breaker, undici keep-alive pool of 64).
- everything shares the same ${os.cpus().length} cores (load generator, gateway, catalog, PostgreSQL); the machine is shared with other work, so figures are noisy. Through the gateway, one request costs two HTTP hops on the same cores, so the ratio is a lower bound of what separate machines would show.

| round | path | req/s | p50 | p99 | requests / failed | gateway CPU/req | catalog CPU/req |
|---|---|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

- **throughput through the gateway ÷ direct: ${(g.rps / d.rps).toFixed(2)}** (${f0(g.rps)} vs ${f0(d.rps)} req/s, mean of the rounds; goal ≥ 0.7)
- **added p99: ${(g.p99 - d.p99).toFixed(1)} ms** (${g.p99.toFixed(1)} vs ${d.p99.toFixed(1)} ms); added p50: ${(g.p50 - d.p50).toFixed(1)} ms
- CPU per request (user + system, from /proc): gateway ${us(gwCpu)}, catalog ${us(catCpu)} (direct phases). All processes compete for the same cores, so when the machine is CPU-bound the ratio is about (catalog + PostgreSQL + load generator) ÷ (the same + gateway); the gateway's CPU per request is the figure that carries over to a deployment where it has cores of its own.
`;
}

await main();
