/**
 * Retries of idempotent calls: on a network error, and on 429/502/503 (honouring `retry-after`),
 * with capped exponential backoff and full jitter. Whether a call is idempotent is decided by the
 * caller (see transport.ts); this module only knows how long to wait and when to give up.
 */

export interface RetryOptions {
  /** Attempts in all, the first one included (default 4; 1 turns retries off). */
  maxAttempts?: number;
  /** The first backoff's ceiling in ms (default 250); it doubles with each attempt. */
  baseDelayMs?: number;
  /** The cap of any one wait in ms, `retry-after` included (default 10 000). A longer `retry-after` is not waited for: the answer is returned. */
  maxDelayMs?: number;
}

export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 502, 503]);

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export function retryPolicy(options: RetryOptions | false | undefined): RetryPolicy {
  if (options === false) return { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 };
  return {
    maxAttempts: Math.max(1, Math.floor(options?.maxAttempts ?? 4)),
    baseDelayMs: Math.max(0, options?.baseDelayMs ?? 250),
    maxDelayMs: Math.max(0, options?.maxDelayMs ?? 10_000),
  };
}

/** Full jitter: a random wait up to min(cap, base·2^attempt), so that many clients do not retry in step. */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(Math.random() * ceiling);
}

/** `retry-after` in ms (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterMs(response: Response, now = Date.now()): number | undefined {
  const value = response.headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A fetch failure worth retrying: the network, not the caller's own abort. */
export function isNetworkError(err: unknown, signal?: AbortSignal | null): boolean {
  if (signal?.aborted) return false;
  const name = (err as { name?: string } | null)?.name;
  return name !== 'AbortError' && name !== 'TimeoutError' && err instanceof TypeError;
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it answers something other than a retryable status, the attempts are spent,
 * or a `retry-after` asks for longer than the cap. Network errors are retried too; anything else
 * thrown is passed on at once.
 */
export async function withRetries(policy: RetryPolicy, signal: AbortSignal | null | undefined, attempt: () => Promise<Response>): Promise<Response> {
  for (let n = 0; ; n++) {
    const last = n + 1 >= policy.maxAttempts;
    let response: Response;
    try {
      response = await attempt();
    } catch (err) {
      if (last || !isNetworkError(err, signal)) throw err;
      await sleep(backoffDelay(policy, n), signal);
      continue;
    }
    if (last || !RETRY_STATUSES.has(response.status)) return response;
    const wait = retryAfterMs(response) ?? backoffDelay(policy, n);
    if (wait > policy.maxDelayMs) return response;
    // The answer is dropped: free its connection before waiting.
    await response.body?.cancel().catch(() => undefined);
    await sleep(wait, signal);
  }
}
