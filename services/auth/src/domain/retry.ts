import type { BackoffOptions } from '@questline/platform';

/**
 * Retries of the outbox to progress: exponential from 250 ms, capped at 30 s so that a recovered
 * progress is caught up quickly.
 */
export const OUTBOX_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 30_000 };
