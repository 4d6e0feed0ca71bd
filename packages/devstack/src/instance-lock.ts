import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Whether a process with this pid exists (EPERM: it does, owned by another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether pid is a live process running `marker` in its command line. After a reboot or a crash
 * the pid in a stale lock may belong to anything; where /proc cannot tell, a live pid counts.
 */
function runs(pid: number, marker: string): boolean {
  if (!processAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return true;
  }
}

export interface InstanceLock {
  release(): Promise<void>;
}

/**
 * One `npm start` per data directory: a second one would find its PostgreSQL, ports and secrets
 * taken. The lock is a pid file; one left by a process that died is taken over.
 */
export async function lockDataDir(dataDir: string, marker: string): Promise<InstanceLock> {
  const file = path.join(dataDir, 'questline.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      return { release: () => rm(file, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (holder > 0 && holder !== process.pid && runs(holder, marker)) {
      throw new Error(`data directory ${dataDir} is locked by a running Questline (pid ${holder})`);
    }
    await rm(file, { force: true });
  }
  throw new Error(`could not lock ${file}`);
}
