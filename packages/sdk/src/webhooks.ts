/**
 * Verification of the webhooks Questline sends (Standard Webhooks), for the product's receiver:
 * `import { verifyWebhook } from '@questline/sdk/webhooks'`. A separate entry because it needs
 * node:crypto (Node, Deno, Bun and workers with Node compatibility have it; browsers do not, and a
 * browser has no business holding a webhook secret).
 */
import { Buffer } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { LedgerEntry, User } from './types.js';

export type WebhookHeaders = Headers | Record<string, string | readonly string[] | undefined>;

export interface VerifyWebhookOptions {
  /** The endpoint's `whsec_…` secret (during a rotation, either the old or the new one works). */
  secret: string;
  /** The request's headers: a fetch `Headers` or Node's `req.headers`. */
  headers: WebhookHeaders;
  /** The raw body, exactly as received: a re-serialised JSON would not match the signature. */
  body: string | Uint8Array;
  /** How far `webhook-timestamp` may be from now, either way (default 300 s). */
  toleranceSeconds?: number;
  /** The clock, in ms since the epoch (default `Date.now()`). */
  now?: number;
}

type Ids = { userId: string; externalUserId: string | null };

/** The messages of api.md v1.2, by type. */
export type WebhookMessage =
  | { type: 'quest.completed'; timestamp: string; data: Ids & { questKey: string; completion: number; completedAt: string; autoClaim: boolean } }
  | { type: 'quest.claimed'; timestamp: string; data: Ids & { questKey: string; completions: number; items: { currency: string; amount: number }[]; xp: number; badge: string | null } }
  | { type: 'reward.granted' | 'wallet.debited'; timestamp: string; data: Ids & { entry: LedgerEntry } }
  | { type: 'user.created' | 'user.banned' | 'user.unbanned'; timestamp: string; data: { user: User } }
  | { type: 'webhook.test'; timestamp: string; data: Record<string, never> };

export type WebhookFailure = 'missing-headers' | 'bad-secret' | 'timestamp-too-old' | 'timestamp-in-future' | 'bad-signature' | 'bad-body';

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    readonly reason: WebhookFailure,
    message: string,
  ) {
    super(message);
  }
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  return undefined;
}

function keyOf(secret: string): Buffer {
  const encoded = typeof secret === 'string' && secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : '';
  const key = Buffer.from(encoded, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || key.length < 16) throw new WebhookVerificationError('bad-secret', 'a webhook secret is "whsec_" followed by base64');
  return key;
}

/**
 * Checks a received message and returns it parsed; throws WebhookVerificationError (with a
 * `reason`) when the headers are missing, the timestamp is outside the tolerance (old or in the
 * future), or none of the space-separated `v1,` signatures is ours over `{id}.{timestamp}.{body}`.
 * Answer such a request 401 and do not act on it; de-duplicate the rest on `webhook-id`.
 */
export function verifyWebhook({ secret, headers, body, toleranceSeconds = 300, now = Date.now() }: VerifyWebhookOptions): WebhookMessage {
  const key = keyOf(secret);
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !signatures || !timestamp || !/^\d{1,15}$/.test(timestamp)) {
    throw new WebhookVerificationError('missing-headers', 'webhook-id, webhook-timestamp and webhook-signature are required');
  }
  const age = Math.floor(now / 1000) - Number(timestamp);
  if (age > toleranceSeconds) throw new WebhookVerificationError('timestamp-too-old', `the message is ${age} s old`);
  if (-age > toleranceSeconds) throw new WebhookVerificationError('timestamp-in-future', `the message is ${-age} s in the future`);

  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
  // Every candidate is compared, matched or not, so the time taken tells nothing about which one.
  let matched = false;
  for (const candidate of signatures.split(' ')) {
    const [version, encoded] = candidate.split(',', 2);
    if (version !== 'v1' || !encoded) continue;
    const given = Buffer.from(encoded, 'base64');
    if (given.length === mac.length && timingSafeEqual(given, mac)) matched = true;
  }
  if (!matched) throw new WebhookVerificationError('bad-signature', 'no signature of this message matches the secret');
  try {
    return JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body)) as WebhookMessage;
  } catch {
    throw new WebhookVerificationError('bad-body', 'the signed body is not JSON');
  }
}
