/** What Linux's /proc says about a process: CPU time and resident memory. Used by every benchmark. */
import { readdir, readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc's utime and stime (USER_HZ; 100 on Linux). */
const HZ = 100;

export interface ProcTimes {
  ppid: number;
  /** utime + stime, ms. */
  self: number;
  /** cutime + cstime (children that have exited and been waited for), ms. */
  children: number;
}

export async function procTimes(pid: number | undefined): Promise<ProcTimes | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses; the fields after its last ')' are space-separated.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const n = (i: number) => Number(fields[i - 3]);
    return { ppid: n(4), self: ((n(14) + n(15)) * 1000) / HZ, children: ((n(16) + n(17)) * 1000) / HZ };
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used so far, in ms; NaN where /proc cannot tell. */
export async function cpuMs(pid: number | undefined): Promise<number> {
  return (await procTimes(pid))?.self ?? NaN;
}

/** Resident memory of a process in MB (10^6 bytes, as the targets are given); NaN where /proc cannot tell. */
export async function rssMB(pid: number | undefined): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
    return (kb * 1024) / 1e6;
  } catch {
    return NaN;
  }
}

/**
 * CPU time (ms) a process and its children have used so far: a PostgreSQL server's postmaster and
 * its backends — the live ones' own times, and the exited ones' that the postmaster has reaped (its
 * cutime + cstime), so a connection that closes between two readings keeps its share. NaN where
 * /proc cannot tell.
 */
export async function processTreeCpuMs(rootPid: number | undefined): Promise<number> {
  const root = await procTimes(rootPid);
  if (!root) return NaN;
  let total = root.self + root.children;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const p = await procTimes(Number(entry));
    if (p && p.ppid === rootPid) total += p.self;
  }
  return total;
}
