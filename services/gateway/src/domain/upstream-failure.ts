/** What the caller is told when an upstream could not give an answer. */
export type UpstreamFailure = 'timeout' | 'unavailable';

// The upstream accepted the request but did not answer in time: 504.
const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'FST_REPLY_FROM_GATEWAY_TIMEOUT',
  'FST_REPLY_FROM_TIMEOUT',
  'FST_REPLY_FROM_HTTP_REQUEST_TIMEOUT',
]);

// The request never reached a live process (or the connection died under it): safe to repeat
// for an idempotent request, because the upstream did not act on it — or acting twice is harmless.
const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);

const RETRY_METHODS = new Set(['GET', 'HEAD']);

/** Error codes along an error's cause chain (reply-from wraps undici's errors). */
export function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

/**
 * A connect timeout means the host is unreachable — the service is down, not slow — so it is a
 * 503 like a refused connection; only a request the upstream accepted and sat on is a 504.
 */
export function classifyUpstreamError(err: unknown): UpstreamFailure {
  return errorCodes(err).some((c) => TIMEOUT_CODES.has(c)) ? 'timeout' : 'unavailable';
}

// The connection was refused: the request was never sent, so even a write can be sent again (to
// another instance, when a Service balances them: a draining pod that stopped listening).
const NEVER_SENT_CODES = new Set(['ECONNREFUSED']);

/**
 * Retry policy: one retry, only when the connection failed (never on a timeout, which would double
 * the load on a struggling upstream, and never on an HTTP answer): for idempotent reads on any
 * connection error, for every other method only when the request was never sent.
 * Returns the delay before the retry in ms, or null for no retry.
 */
export function retryDelay(method: string, err: unknown, attempt: number): number | null {
  if (!err || attempt >= 1) return null;
  const retryable = RETRY_METHODS.has(method) ? RETRYABLE_CODES : NEVER_SENT_CODES;
  return errorCodes(err).some((c) => retryable.has(c)) ? 25 : null;
}
