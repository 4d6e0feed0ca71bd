import { readdir } from 'node:fs/promises';
import { procTimes, type ProcTimes } from '../shared/proc.js';

/** CPU ms used so far by a process and every process below it (live or exited). */
export async function treeCpuMs(root: number): Promise<number> {
  const all = new Map<number, ProcTimes>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const t = await procTimes(Number(entry));
    if (t) all.set(Number(entry), t);
  }
  let total = 0;
  const visit = (pid: number) => {
    const t = all.get(pid);
    if (!t) return;
    total += t.self + t.children;
    for (const [child, c] of all) if (c.ppid === pid) visit(child);
  };
  visit(root);
  return total;
}

/** CPU ms per named process tree between two samples. */
export async function sampleCpu(roots: Record<string, number>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(roots)) out[name] = await treeCpuMs(pid);
  return out;
}

export function cpuDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(after).map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)]));
}
