/** A call that concurrent callers share; `inFlight` is the call under way, if any. */
export type SingleFlight<A extends unknown[], V> = ((...args: A) => Promise<V>) & { readonly inFlight: Promise<V> | undefined };

export interface SingleFlightOptions {
  /**
   * How long the settled call keeps being shared (timer-based, so 0 = until the current turn of the
   * event loop ends: the callers of one metrics scrape share one query). Default: not at all.
   */
  holdMs?: number;
}

/**
 * Concurrent callers join the call under way instead of starting their own (refreshes, lookups of
 * one upstream resource); once it settles the next caller starts a new one. A failure is shared
 * with the callers that joined, and not remembered. The first caller's arguments are used.
 */
export function singleFlight<A extends unknown[], V>(fn: (...args: A) => Promise<V>, opts: SingleFlightOptions = {}): SingleFlight<A, V> {
  let current: Promise<V> | undefined;
  const release = (p: Promise<V>) => () => {
    if (current === p) current = undefined;
  };
  const call = (...args: A): Promise<V> => {
    if (current) return current;
    const p: Promise<V> = fn(...args).finally(() => {
      if (opts.holdMs === undefined) release(p)();
      else setTimeout(release(p), opts.holdMs).unref();
    });
    current = p;
    return p;
  };
  return Object.defineProperty(call, 'inFlight', { get: () => current }) as SingleFlight<A, V>;
}

/** singleFlight per key: concurrent callers of one key share one call of `fn(key, …)`. */
export function keyedSingleFlight<K, A extends unknown[], V>(fn: (key: K, ...rest: A) => Promise<V>): (key: K, ...rest: A) => Promise<V> {
  const calls = new Map<K, Promise<V>>();
  return (key, ...rest) => {
    let p = calls.get(key);
    if (!p) {
      p = fn(key, ...rest).finally(() => calls.delete(key));
      calls.set(key, p);
    }
    return p;
  };
}

/** A bound on the sum of the entries' weights (bytes, say) besides their number. */
export interface MemoryWeight<V> {
  max: number;
  of(value: V): number;
}

/**
 * A bounded memory whose entries expire; when full (in entries, or in weight when weighed), the
 * oldest entries are dropped for a new one. A value heavier than the whole bound is not kept.
 */
export class ExpiringMemory<K, V> {
  private readonly entries = new Map<K, { value: V; until: number; weight: number }>();
  private weight = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
    private readonly weigh?: MemoryWeight<V>,
  ) {}

  get(key: K): V | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (this.now() < hit.until) return hit.value;
    this.drop(key);
    return undefined;
  }

  /** Remembers `value` until the time `until` (same clock as `now`); no-op when maxEntries is 0. */
  set(key: K, value: V, until: number): void {
    if (this.maxEntries <= 0) return;
    this.drop(key);
    const weight = this.weigh ? this.weigh.of(value) : 0;
    if (this.weigh && weight > this.weigh.max) return;
    while (this.entries.size > 0 && (this.entries.size >= this.maxEntries || (this.weigh !== undefined && this.weight + weight > this.weigh.max))) {
      this.drop(this.entries.keys().next().value!);
    }
    this.entries.set(key, { value, until, weight });
    this.weight += weight;
  }

  /** The sum of the kept entries' weights (0 when not weighed). */
  get totalWeight(): number {
    return this.weight;
  }

  private drop(key: K): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.weight -= entry.weight;
  }
}

export interface CachedOptions {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

/**
 * `fn` per key with a short memory: an answer is reused for ttlMs, and concurrent callers of one
 * key share one call. Failures are not remembered. The first caller's extra arguments are used.
 */
export function cached<K, A extends unknown[], V>(fn: (key: K, ...rest: A) => Promise<V>, opts: CachedOptions): (key: K, ...rest: A) => Promise<V> {
  const now = opts.now ?? Date.now;
  const memory = new ExpiringMemory<K, { value: V }>(opts.maxEntries, now);
  const load = keyedSingleFlight(async (key: K, ...rest: A) => {
    const value = await fn(key, ...rest);
    memory.set(key, { value }, now() + opts.ttlMs);
    return value;
  });
  return async (key, ...rest) => {
    const hit = memory.get(key);
    return hit ? hit.value : load(key, ...rest);
  };
}
