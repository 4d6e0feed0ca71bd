import type { Kysely } from 'kysely';
import { countAttempt, deleteExpiredCounters, lockCounters, recordSuccess } from '../db/login-failures.repository.js';
import type { AuthDatabase } from '../db/schema.js';
import { judge, throttleKeys, type ThrottleLimits, type ThrottleVerdict } from '../domain/login-throttle.js';

export interface LoginThrottle {
  /**
   * Judges the attempt and, when allowed, counts it as a failure *before* the password is checked,
   * all under the counters' row locks: a burst of parallel guesses (on any replica) is judged one
   * by one, each seeing the ones before it. A refused attempt is not counted (it tests nothing).
   */
  begin(username: string, ip: string): Promise<ThrottleVerdict>;
  /** The password was right: the pair's counter is cleared, the attempt taken back from the others. */
  succeeded(username: string, ip: string): Promise<void>;
  /** Deletes counters whose window has ended. */
  sweep(): Promise<number>;
}

export function createLoginThrottle(db: Kysely<AuthDatabase>, limits: ThrottleLimits): LoginThrottle {
  return {
    begin(username, ip) {
      const keys = throttleKeys(username, ip);
      return db.transaction().execute(async (trx) => {
        const verdict = judge(await lockCounters(trx, keys, limits.windowSeconds), limits);
        if (verdict.allowed) await countAttempt(trx, keys);
        return verdict;
      });
    },
    async succeeded(username, ip) {
      await recordSuccess(db, throttleKeys(username, ip));
    },
    sweep: () => deleteExpiredCounters(db, limits.windowSeconds),
  };
}
