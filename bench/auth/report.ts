import os from 'node:os';
import type { RawResult } from './raw-argon2.js';

/** One measured load: what the report renders (the benchmark imports it from here). */
export interface LoadResult {
  perSec: number;
  /** CPU ms per successful request, per process (tree), measured from /proc. */
  cpuPerOp?: Record<string, number>;
  ok: number;
  failed: number;
  statuses: Record<string, number>;
  p50: number;
  p99: number;
}

export interface Figures {
  command: string;
  seconds: number;
  users: number;
  connections: number;
  grantConnections: number;
  postgres: string;
  rawBefore: RawResult;
  rawAfter: RawResult;
  rawSingle: RawResult;
  logins: LoadResult;
  loginsNoProgress: LoadResult;
  grants: LoadResult;
}

const f1 = (n: number) => n.toFixed(1);
const pct = (n: number) => `${(n * 100).toFixed(0)} %`;
const cpuCell = (r: LoadResult | undefined, name: string) => (r?.cpuPerOp?.[name] === undefined ? '–' : r.cpuPerOp[name]!.toFixed(2));
const cpuOf = (r: LoadResult, name: string) => r.cpuPerOp?.[name] ?? 0;
const cpuTotal = (r: LoadResult) => Object.values(r.cpuPerOp ?? {}).reduce((a, b) => a + b, 0);
const statuses = (r: LoadResult) => Object.entries(r.statuses).map(([s, n]) => `${s}: ${n}`).join(', ');

/** docs/benchmarks/auth.md: the figures of one run, how they were produced, and how to read them. */
export function renderReport(x: Figures): string {
  const raw = (x.rawBefore.perSec + x.rawAfter.perSec) / 2;
  const ratio = x.logins.perSec / raw;
  const ratioNoProgress = x.loginsNoProgress.perSec / raw;
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `# Auth benchmark

Produced by \`${x.command}\` (root script \`npm run bench:auth\`) on ${new Date().toISOString()}.
Machine: ${os.cpus().length} cores (nproc), ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}.
PostgreSQL: ${x.postgres}. The four services run as separate processes, bundled as \`npm start\` runs them (\`startTestStack\` with \`runtime: bundle\`), the gateway's
rate limits lifted; ${x.users} users; ${x.seconds} s per phase; autocannon from the same process.

**The machine is shared with other engineers running tests, so these figures are noisy**; the lead
re-runs every benchmark serially.

## Figures

| measure | result |
|---|---|
| raw argon2id verifies/s (m=19456 KiB, t=2, p=1; ${x.rawBefore.inFlight} in flight on the libuv pool), before the logins | **${f1(x.rawBefore.perSec)}** |
| raw argon2id verifies/s, after the logins | **${f1(x.rawAfter.perSec)}** |
| raw argon2id verifies/s, one at a time (one core) | ${f1(x.rawSingle.perSec)} |
| logins/s through the gateway (\`POST /api/v1/auth/login\`, ${x.connections} connections, all four services) | **${f1(x.logins.perSec)}** (p50 ${x.logins.p50} ms, p99 ${x.logins.p99} ms; ${statuses(x.logins)}) |
| **logins / raw verifies** (goal ≥ 80 %) | **${pct(ratio)}** ${ratio >= 0.8 ? '— goal met' : '— goal not met in this run'} |
| logins/s with progress stopped (events wait in auth's outbox) | ${f1(x.loginsNoProgress.perSec)} (${pct(ratioNoProgress)} of raw; ${statuses(x.loginsNoProgress)}) |
| grants/s (\`POST /internal/grants\` on auth, HMAC-signed, distinct keys, ${x.grantConnections} connections) | **${f1(x.grants.perSec)}** (p50 ${x.grants.p50} ms, p99 ${x.grants.p99} ms; ${statuses(x.grants)}) |

The ratio divides logins/s by the mean of the two raw runs, which bracket the login run in time so
that a change in background load shows up as a gap between them.

### Where the CPU goes

CPU time (user + system, all threads, read from \`/proc\`) each process used during the phase, divided
by the successful requests of the phase — milliseconds per operation. A raw verify cost
**${f1(x.rawBefore.cpuMsPerOp)} ms** (before) and **${f1(x.rawAfter.cpuMsPerOp)} ms** (after) of CPU.

| process | per login | per login, progress stopped | per grant |
|---|---:|---:|---:|
${['gateway', 'auth', 'progress', 'catalog', 'postgres', 'load generator']
  .map((name) => `| ${name} | ${cpuCell(x.logins, name)} | ${cpuCell(x.loginsNoProgress, name)} | ${cpuCell(x.grants, name)} |`)
  .join('\n')}
| **all** | **${cpuTotal(x.logins).toFixed(2)}** | **${cpuTotal(x.loginsNoProgress).toFixed(2)}** | **${cpuTotal(x.grants).toFixed(2)}** |

On a CPU-bound machine the best a login can do relative to a raw verify is the ratio of their CPU
costs: here ${f1(x.rawBefore.cpuMsPerOp)} / ${cpuTotal(x.logins).toFixed(1)} ≈ ${pct(x.rawBefore.cpuMsPerOp / Math.max(0.001, cpuTotal(x.logins)))} with the whole stack,
${pct(x.rawBefore.cpuMsPerOp / Math.max(0.001, cpuTotal(x.loginsNoProgress)))} with progress stopped.

## How to read them

- **Why the comparison is fair.** A login costs one argon2id verify with the service's default
  parameters, run by \`@node-rs/argon2\` on the libuv threadpool (4 threads); the raw loop calls the
  same function with the same parameters from a Node process with the same pool, keeping 4 verifies
  outstanding, so both use both cores. Every login in the run is a correct one (a rotating set of
  users), so the failed-login throttle never fires (only 200s above).
- **What a login pays on top of the verify**: the gateway's proxy hop, body validation, two
  throttle statements (count the attempt, then take it back), the user lookup, one statement that
  writes the login (status and last-login update, the \`login\` outbox row, the refresh token), an
  Ed25519 signature, the user view with balances, the relay's delivery of the event (batched) — and,
  on the same two cores, progress ingesting it and PostgreSQL serving all of it. In this run auth
  spent ${(cpuOf(x.logins, 'auth') - x.rawBefore.cpuMsPerOp).toFixed(1)} ms of CPU per login beyond the verify itself, and the other processes
  ${(cpuTotal(x.logins) - cpuOf(x.logins, 'auth')).toFixed(1)} ms.
- **Why 80 % is out of reach on two cores**: when every core is busy, logins/s ÷ verifies/s is bounded
  by the CPU ratio above. 80 % needs everything besides the verify to cost at most a quarter of a
  verify (${(x.rawBefore.cpuMsPerOp / 4).toFixed(1)} ms here), while the gateway hop and PostgreSQL together cost
  ${(cpuOf(x.logins, 'gateway') + cpuOf(x.logins, 'postgres')).toFixed(1)} ms per login before auth does anything but argon2. The
  ratio rises with the argon2 cost (the overhead is fixed): a deployment that raises
  \`ARGON2_MEMORY_KIB\` or \`ARGON2_TIME_COST\` gets closer to the goal, and more secure — but
  the default stays at OWASP's minimum.
- **Progress stopped** shows the login path's own overhead: the events then wait in auth's outbox
  (they are delivered once progress is back), so the gap to the full-stack figure is the share of
  the two cores that progress's event processing takes.
- **Grants** are bounded by PostgreSQL (one transaction per grant: lock the user row, claim the
  idempotency key, insert the ledger entry, update the balance) and by verifying the HMAC
  signature; spreading them over ${x.users} users keeps the per-user row lock from serialising them.
`;
}
