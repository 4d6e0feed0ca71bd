import { hash, verify, type Algorithm } from '@node-rs/argon2';

// The service's defaults (ARGON2_MEMORY_KIB=19456, ARGON2_TIME_COST=2, parallelism 1), argon2id.
export const PARAMS = { algorithm: 2 as Algorithm, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export interface RawResult {
  perSec: number;
  count: number;
  seconds: number;
  inFlight: number;
  /** CPU ms (all threads of this process) per verify. */
  cpuMsPerOp: number;
}

/**
 * argon2id verifies per second in this process, for `seconds`. Like the service, verify() runs on
 * the libuv threadpool (4 threads by default); keeping `inFlight` verifies outstanding (default:
 * the pool size) keeps every core busy, which is what a loaded auth process does.
 */
export async function rawVerifies(seconds: number, inFlight = Number(process.env.UV_THREADPOOL_SIZE ?? 4)): Promise<RawResult> {
  const password = 'bench-password-not-common-123';
  const stored = await hash(password, PARAMS);
  let count = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        if (!(await verify(stored, password))) throw new Error('verify failed');
        count++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { perSec: count / elapsed, count, seconds: elapsed, inFlight, cpuMsPerOp: (cpu.user + cpu.system) / 1000 / count };
}
