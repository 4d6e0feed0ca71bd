import { isIP } from 'node:net';
import type { Kysely } from 'kysely';
import type { AuthDatabase } from '../db/schema.js';
import {
  clearUsernameAndDecrementIp,
  decrementCounters,
  deleteExpiredCounters,
  incrementCounters,
  type CounterState,
  type ThrottleKey,
} from '../db/login-failures.repository.js';

export interface ThrottleLimits {
  perUsername: number;
  perIp: number;
  windowSeconds: number;
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** The longest textual IP address (an IPv4-mapped IPv6 one); anything longer carries a zone id. */
const MAX_IP_LENGTH = 45;

/**
 * The address an attempt is counted against. The forwarded one is a header value, so it is used
 * only when it really is an IP address: an arbitrary string would make a fresh counter per guess
 * (dodging the per-IP limit) or overflow the counter's key column (a 500 on login).
 */
export function throttleAddress(forwarded: string | undefined, socketAddress: string | undefined): string {
  for (const candidate of [forwarded, socketAddress]) {
    if (candidate && candidate.length <= MAX_IP_LENGTH && isIP(candidate) !== 0) return candidate;
  }
  return 'unknown';
}

/** Username first: the repository relies on one key order to take row locks in one order. */
export function throttleKeys(username: string, ip: string): ThrottleKey[] {
  return [
    { scope: 'username', key: username.toLowerCase() },
    { scope: 'ip', key: ip },
  ];
}

/**
 * Refused when any counter, this attempt included, exceeds its limit: with a limit of 10, ten
 * failures are allowed in a window and the eleventh attempt waits until the window ends.
 */
export function judge(counters: CounterState[], limits: ThrottleLimits): ThrottleVerdict {
  let retryAfterSeconds = 0;
  for (const c of counters) {
    const limit = c.scope === 'username' ? limits.perUsername : limits.perIp;
    if (c.failures > limit) retryAfterSeconds = Math.max(retryAfterSeconds, c.retry_after);
  }
  return retryAfterSeconds > 0 ? { allowed: false, retryAfterSeconds } : { allowed: true };
}

export interface LoginThrottle {
  /**
   * Counts the attempt as a failure *before* the password is checked, so that a burst of parallel
   * guesses cannot all pass the check while none has failed yet. A refused attempt is taken back
   * (it tested no password); a successful one is taken back by `succeeded`.
   */
  begin(username: string, ip: string): Promise<ThrottleVerdict>;
  /** The password was right: the username's counter is cleared, the IP's attempt taken back. */
  succeeded(username: string, ip: string): Promise<void>;
  /** Deletes counters whose window has ended. */
  sweep(): Promise<number>;
}

export function createLoginThrottle(db: Kysely<AuthDatabase>, limits: ThrottleLimits): LoginThrottle {
  return {
    async begin(username, ip) {
      const keys = throttleKeys(username, ip);
      const verdict = judge(await incrementCounters(db, keys, limits.windowSeconds), limits);
      if (!verdict.allowed) await decrementCounters(db, keys);
      return verdict;
    },
    async succeeded(username, ip) {
      await clearUsernameAndDecrementIp(db, username.toLowerCase(), ip);
    },
    sweep: () => deleteExpiredCounters(db, limits.windowSeconds),
  };
}
