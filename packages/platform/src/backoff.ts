export interface BackoffOptions {
  /** Delay after the first failure. */
  baseMs: number;
  /** Ceiling, so that a recovered peer is caught up soon. */
  maxMs: number;
  /**
   * Share of the delay drawn at random (0.2: between 80 % and 100 % of it), so that the retries of
   * many rows that failed together do not all come back at the same instant.
   */
  jitter?: number;
  /**
   * Fixed delays instead of the exponential curve: the n-th failure waits `schedule[n-1]` (the last
   * one repeats). For retries a peer is promised on a timetable (webhooks); `baseMs`/`maxMs` unused.
   */
  schedule?: readonly number[];
}

/**
 * Delay before the next attempt after `attempts` failures (1 = the first failure): exponential from
 * `baseMs`, capped at `maxMs` (or the `schedule`'s entry), with jitter taken off the top (never above the cap).
 */
export function backoffMs(attempts: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(attempts - 1, 30));
  const { schedule } = opts;
  const delay =
    schedule && schedule.length > 0 ? schedule[Math.min(exponent, schedule.length - 1)]! : Math.min(opts.maxMs, opts.baseMs * 2 ** exponent);
  const jitter = Math.min(1, Math.max(0, opts.jitter ?? 0.2));
  return Math.round(delay * (1 - jitter * random()));
}
