export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures (connection errors, timeouts) that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open, failing fast, before one probe is let through. */
  cooldownMs: number;
  /**
   * How long a probe may stay unanswered before another one is allowed. A probe whose outcome is
   * never reported (the caller hung up mid-request) must not wedge the circuit half-open forever.
   */
  probeTimeoutMs: number;
  now?: () => number;
  onChange?: (from: CircuitState, to: CircuitState) => void;
}

/**
 * One upstream's circuit breaker, so that a dead upstream costs nothing per request:
 * closed (requests flow; consecutive failures are counted) → open after `failureThreshold`
 * failures (requests fail fast, the upstream is not touched) → half-open after `cooldownMs`
 * (exactly one probe goes through) → closed if the probe gets any answer, open again if it fails.
 * Any answer from the upstream, even a 500, counts as success: the circuit is about reachability.
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probeStartedAt = 0;
  private readonly now: () => number;

  constructor(private readonly opts: CircuitBreakerOptions) {
    this.now = opts.now ?? Date.now;
  }

  get state(): CircuitState {
    return this.current;
  }

  /** Whether a request may go to the upstream now; in half-open, true for the one probe only. */
  tryAcquire(): boolean {
    const now = this.now();
    if (this.current === 'closed') return true;
    if (this.current === 'open') {
      if (now - this.openedAt < this.opts.cooldownMs) return false;
      this.transition('half-open');
      this.probeStartedAt = now;
      return true;
    }
    if (now - this.probeStartedAt < this.opts.probeTimeoutMs) return false;
    this.probeStartedAt = now;
    return true;
  }

  /** The upstream answered (whatever the status). */
  onSuccess(): void {
    this.failures = 0;
    if (this.current !== 'closed') this.transition('closed');
  }

  /** The upstream could not be reached or did not answer in time. */
  onFailure(): void {
    if (this.current === 'open') return;
    if (this.current === 'half-open') {
      this.open();
      return;
    }
    this.failures += 1;
    if (this.failures >= this.opts.failureThreshold) this.open();
  }

  /** Seconds until the next probe may go through (for Retry-After while failing fast); at least 1. */
  retryAfterSeconds(): number {
    const left = this.current === 'open' ? this.openedAt + this.opts.cooldownMs - this.now() : 0;
    return Math.max(1, Math.ceil(left / 1000));
  }

  private open() {
    this.openedAt = this.now();
    this.failures = 0;
    this.transition('open');
  }

  private transition(to: CircuitState) {
    const from = this.current;
    this.current = to;
    if (from !== to) this.opts.onChange?.(from, to);
  }
}
