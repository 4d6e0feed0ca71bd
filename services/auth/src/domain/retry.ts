export const RETRY_BASE_MS = 250;
export const RETRY_MAX_MS = 30_000;

/**
 * Delay before the next delivery attempt after `attempts` failures (1 = first failure):
 * exponential from 250 ms, capped at 30 s so a recovered peer is caught up quickly.
 */
export function retryDelayMs(attempts: number): number {
  const exponent = Math.max(0, Math.min(attempts - 1, 20));
  return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** exponent);
}
