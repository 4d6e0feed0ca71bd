import { isIP } from 'node:net';

/** Which counter: an address, a username, or a (username, address) pair. */
export type ThrottleScope = 'username' | 'ip' | 'username_ip';

export interface ThrottleKey {
  scope: ThrottleScope;
  key: string;
}

export interface CounterState {
  scope: ThrottleScope;
  key: string;
  /** Attempts counted in the current window, before the one being judged. */
  failures: number;
  /** Whole seconds until the counter's window ends (at least 1). */
  retry_after: number;
  /** Seconds since the last counted attempt began (fractional). */
  since_last_attempt: number;
}

/** See README.md, "Login throttling": what each limit protects against. */
export interface ThrottleLimits {
  /** Failures per (username, address) per window; then that pair waits for the window's end. */
  perUsernameAndIp: number;
  /** Failures per address per window, whatever the usernames; then the address waits for the window's end. */
  perIp: number;
  /** Failures per username per window from all addresses together before attempts are spaced out. */
  usernameFreeFailures: number;
  /** The longest wait between two attempts on one username (the doubling delay stops growing there). */
  usernameMaxDelaySeconds: number;
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

/**
 * One key per scope, in the one order every caller locks rows in: username, address, pair (the
 * username before the address, as the previous release locked them, so replicas of both versions
 * side by side during a rollout cannot deadlock on a login). The pair's key puts the address
 * first: an address never contains '|', so no two pairs collide.
 */
export function throttleKeys(username: string, ip: string): [username: ThrottleKey, ip: ThrottleKey, pair: ThrottleKey] {
  const name = username.toLowerCase();
  return [
    { scope: 'username', key: name },
    { scope: 'ip', key: ip },
    { scope: 'username_ip', key: `${ip}|${name}` },
  ];
}

/**
 * The wait a username imposes between two attempts once it has `failures` in the window: none
 * within the allowance, then 1 s doubling with each further failure, up to the configured maximum.
 */
export function usernameDelaySeconds(failures: number, limits: ThrottleLimits): number {
  if (failures < limits.usernameFreeFailures) return 0;
  const doublings = Math.min(failures - limits.usernameFreeFailures, 30);
  return Math.min(limits.usernameMaxDelaySeconds, 2 ** doublings);
}

/**
 * Judges an attempt on the counters as they were before it. The pair and the address are hard
 * limits (with 10, ten failures are allowed and the eleventh attempt waits for the window's end);
 * the username only ever asks for its delay since the last attempt, so its owner is slowed, never
 * locked out for a window.
 */
export function judge(counters: CounterState[], limits: ThrottleLimits): ThrottleVerdict {
  let retryAfterSeconds = 0;
  for (const c of counters) {
    let wait = 0;
    if (c.scope === 'username_ip' && c.failures >= limits.perUsernameAndIp) wait = c.retry_after;
    if (c.scope === 'ip' && c.failures >= limits.perIp) wait = c.retry_after;
    const delay = c.scope === 'username' ? usernameDelaySeconds(c.failures, limits) : 0;
    if (delay > 0) {
      const remaining = delay - c.since_last_attempt;
      // The window's end restarts the count, which ends the delay too.
      if (remaining > 0) wait = Math.min(c.retry_after, Math.ceil(remaining));
    }
    retryAfterSeconds = Math.max(retryAfterSeconds, wait);
  }
  return retryAfterSeconds > 0 ? { allowed: false, retryAfterSeconds } : { allowed: true };
}
