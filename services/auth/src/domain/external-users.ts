import { randomBytes } from 'node:crypto';

/** Where a user created by external id lives unless told otherwise (api.md: signup's default too). */
export const DEFAULT_TIMEZONE = 'UTC';

/**
 * A username for a user created without one: `user-` and 16 hex digits (64 random bits, 21
 * characters, within the username rules). A collision with a taken name is possible in principle
 * only; the caller retries with a fresh one.
 */
export function generatedUsername(): string {
  return `user-${randomBytes(8).toString('hex')}`;
}

/**
 * The distinct external ids of a batch, each with the timezone of its first mention, sorted: rows
 * inserted in one order by every batch take their locks in that order, so batches sharing ids
 * cannot deadlock.
 */
export function distinctExternalIds(items: ReadonlyArray<{ externalId: string; timezone?: string }>): Array<{ externalId: string; timezone: string }> {
  const first = new Map<string, string>();
  for (const item of items) if (!first.has(item.externalId)) first.set(item.externalId, item.timezone ?? DEFAULT_TIMEZONE);
  return [...first.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([externalId, timezone]) => ({ externalId, timezone }));
}
