import type { Kysely } from 'kysely';
import { countAttempt, deleteExpiredCounters, recordSuccess, uncountAttempt } from '../db/login-failures.repository.js';
import type { AuthDatabase } from '../db/schema.js';
import { judge, throttleKeys, type ThrottleLimits, type ThrottleVerdict } from '../domain/login-throttle.js';

export interface LoginThrottle {
  /**
   * Counts the attempt as a failure *before* the password is checked and judges it on the counters
   * as they were before it, in one statement: a burst of parallel guesses (on any replica) is
   * judged one by one, each seeing the ones before it. A refused attempt is taken back (it tests
   * nothing).
   */
  begin(username: string, ip: string): Promise<ThrottleVerdict>;
  /** The password was right: the pair's counter is cleared, the attempt taken back from the others. */
  succeeded(username: string, ip: string): Promise<void>;
  /** Deletes counters whose window has ended. */
  sweep(): Promise<number>;
}

export function createLoginThrottle(db: Kysely<AuthDatabase>, limits: ThrottleLimits): LoginThrottle {
  return {
    async begin(username, ip) {
      const counted = await countAttempt(db, throttleKeys(username, ip), limits.windowSeconds);
      const verdict = judge(counted, limits);
      if (!verdict.allowed) await uncountAttempt(db, counted);
      return verdict;
    },
    async succeeded(username, ip) {
      await recordSuccess(db, throttleKeys(username, ip));
    },
    sweep: () => deleteExpiredCounters(db, limits.windowSeconds),
  };
}
