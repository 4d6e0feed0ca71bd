import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface OrphanGuard {
  service(pid: number): void;
  postgres(dataDir: string): void;
}

/**
 * A small process that outlives the orchestrator if it dies without stopping what it started (a
 * crash, a SIGKILL) and then stops the services and PostgreSQL (orphan-guard.sh). A shell, not
 * Node: it waits for one pipe to close and costs no memory worth counting.
 */
export function startOrphanGuard(): OrphanGuard {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'orphan-guard.sh');
  const guard = spawn('/bin/sh', [script], { stdio: ['pipe', 'ignore', 'ignore'] });
  guard.on('error', () => undefined);
  guard.stdin.on('error', () => undefined);
  // Neither the guard nor its pipe keeps the orchestrator alive; the pipe closes when it exits.
  guard.unref();
  (guard.stdin as unknown as { unref?: () => void }).unref?.();
  const tell = (line: string) => void guard.stdin.write(`${line}\n`);
  return {
    service: (pid) => tell(`service ${pid}`),
    postgres: (dataDir) => tell(`postgres ${path.resolve(dataDir)}`),
  };
}
