import type { BackoffOptions, WebhookPostResult } from '@questline/platform';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** The retries promised in api.md v1.2: after about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h. */
export const WEBHOOK_RETRY_SCHEDULE_MS = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR] as const;

/** A delivery is `failed` after its first attempt and every scheduled retry have failed. */
export const WEBHOOK_MAX_ATTEMPTS = WEBHOOK_RETRY_SCHEDULE_MS.length + 1;

export const WEBHOOK_BACKOFF: BackoffOptions = {
  baseMs: WEBHOOK_RETRY_SCHEDULE_MS[0],
  maxMs: 10 * HOUR,
  schedule: WEBHOOK_RETRY_SCHEDULE_MS,
  jitter: 0.2,
};

/** An endpoint whose deliveries have all failed this long is disabled (api.md v1.2). */
export const WEBHOOK_DISABLE_AFTER_MS = 5 * 24 * HOUR;

/** What the delivery log keeps of an answer's body (the request reads a little more, then drops the connection). */
export const WEBHOOK_RESPONSE_LOG_CHARS = 1024;

export type AttemptVerdict = { kind: 'succeeded' } | { kind: 'failed'; error: string; final: boolean };

/**
 * What one attempt means: a 2xx delivers; anything else (another status, a 3xx whose Location is
 * not followed, a timeout, a reset) fails, for good once the schedule is spent. `attempts` counts
 * this one.
 */
export function verdictOf(result: WebhookPostResult, attempts: number): AttemptVerdict {
  if (result.kind === 'answered' && result.statusCode >= 200 && result.statusCode < 300) return { kind: 'succeeded' };
  const error = result.kind === 'answered' ? `HTTP ${result.statusCode}` : result.error;
  return { kind: 'failed', error, final: attempts >= WEBHOOK_MAX_ATTEMPTS };
}

/** The answer as the delivery log shows it: bounded, and marked when cut. */
export function loggedResponse(result: WebhookPostResult): { statusCode: number | null; response: string | null } {
  if (result.kind === 'failed') return { statusCode: null, response: null };
  const cut = result.truncated || result.body.length > WEBHOOK_RESPONSE_LOG_CHARS;
  return { statusCode: result.statusCode, response: cut ? `${result.body.slice(0, WEBHOOK_RESPONSE_LOG_CHARS)}…[truncated]` : result.body };
}

export const DISABLED_REASON = 'every delivery failed for 5 days';
