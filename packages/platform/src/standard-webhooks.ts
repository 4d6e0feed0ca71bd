/**
 * Standard Webhooks (https://www.standardwebhooks.com) signing and verification: the secrets of
 * webhook endpoints, the `webhook-*` headers of a message and their check on the receiving side.
 *
 * Written on node:crypto rather than taken from the `standardwebhooks` package: the whole scheme is
 * one HMAC-SHA256 and a base64 encoding, the package brings two pure-JS crypto dependencies, and it
 * signs with a single secret while a rotated endpoint needs two signatures in one header. The tests
 * check this module against that package and the specification's published vector.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** The specification asks for keys of 24 to 64 bytes; ours are 32. */
const SECRET_BYTES = 32;
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/**
 * The signed content is `{id}.{timestamp}.{body}`: an id holding a dot or whitespace could move the
 * boundary between id and timestamp, so two different messages could share a signature.
 */
const MESSAGE_ID = /^[A-Za-z0-9_-]{1,128}$/;
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

/** A fresh endpoint secret: `whsec_` + base64 of 32 random bytes. Shown once, stored as given. */
export function generateWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/**
 * The HMAC key of a `whsec_` secret. Refuses anything else (no prefix, non-canonical base64, a key
 * shorter than 24 or longer than 64 bytes): a secret that does not parse is a bug or a corrupted row,
 * never something to sign with.
 */
export function parseWebhookSecret(secret: string): Buffer {
  if (typeof secret !== 'string' || !secret.startsWith(WEBHOOK_SECRET_PREFIX)) {
    throw new Error(`a webhook secret starts with "${WEBHOOK_SECRET_PREFIX}"`);
  }
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  if (encoded.length === 0 || !CANONICAL_BASE64.test(encoded)) {
    throw new Error('a webhook secret is base64 after its prefix');
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
    throw new Error(`a webhook secret holds ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes, not ${key.length}`);
  }
  return key;
}

export interface WebhookToSign {
  /** The message id: the same on every attempt, the receiver's de-duplication key. */
  id: string;
  /** Unix seconds of this attempt. */
  timestamp: number;
  /** The exact string sent as the body: the signature covers these bytes, not a re-serialisation. */
  body: string;
}

function checkMessage(msg: WebhookToSign): void {
  if (!MESSAGE_ID.test(msg.id)) throw new Error('a webhook message id is 1 to 128 of [A-Za-z0-9_-]');
  if (!Number.isSafeInteger(msg.timestamp) || msg.timestamp < 0) {
    throw new Error('a webhook timestamp is a whole number of Unix seconds');
  }
}

function signatureWith(key: Buffer, id: string, timestamp: number | string, body: string | Uint8Array): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body);
  return `v1,${mac.digest('base64')}`;
}

/**
 * The `webhook-signature` header value: one `v1,<base64 HMAC-SHA256>` per secret, space-separated,
 * so that during a rotation receivers holding either the old or the new secret accept the message.
 */
export function signWebhook(msg: WebhookToSign, secrets: readonly string[]): string {
  checkMessage(msg);
  if (secrets.length === 0) throw new Error('a webhook is signed by at least one secret');
  return secrets.map((s) => signatureWith(parseWebhookSecret(s), msg.id, msg.timestamp, msg.body)).join(' ');
}

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
  'content-type': 'application/json';
  [name: string]: string;
}

/** Every header a message is POSTed with. */
export function webhookHeaders(msg: WebhookToSign, secrets: readonly string[]): WebhookHeaders {
  return {
    'webhook-id': msg.id,
    'webhook-timestamp': String(msg.timestamp),
    'webhook-signature': signWebhook(msg, secrets),
    'content-type': 'application/json',
  };
}

/**
 * The body of a message, serialised once: the same string is stored, signed and sent on every
 * attempt (`timestamp` is when the event happened, not when an attempt is made).
 */
export function webhookMessage(type: string, data: unknown, timestamp: Date): string {
  if (Number.isNaN(timestamp.getTime())) throw new Error('a webhook message has a valid timestamp');
  return JSON.stringify({ type, timestamp: timestamp.toISOString(), data });
}

export type WebhookVerification =
  | { ok: true }
  | { ok: false; reason: 'missing-headers' | 'timestamp-too-old' | 'timestamp-in-future' | 'bad-signature' };

export interface VerifyWebhookOptions {
  /** How far the timestamp may be from now, either way (default 300 s, as the specification). */
  toleranceSeconds?: number;
  /** Milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
}

type HeaderBag = Record<string, string | readonly string[] | undefined> | Headers;

function header(headers: HeaderBag, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

/**
 * Checks a received message: the three headers are present (a timestamp that is not a whole number
 * counts as missing), the timestamp is within the tolerance of now, and at least one of the
 * space-separated signatures is the `v1` signature by `secret` of these exact body bytes.
 */
export function verifyWebhook(
  headers: HeaderBag,
  body: string | Uint8Array,
  secret: string,
  opts: VerifyWebhookOptions = {},
): WebhookVerification {
  const key = parseWebhookSecret(secret);
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !signatures || !timestamp || !/^\d{1,15}$/.test(timestamp)) return { ok: false, reason: 'missing-headers' };

  const tolerance = opts.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  const now = Math.floor((opts.now ?? Date.now)() / 1000);
  const sentAt = Number(timestamp);
  if (now - sentAt > tolerance) return { ok: false, reason: 'timestamp-too-old' };
  if (sentAt - now > tolerance) return { ok: false, reason: 'timestamp-in-future' };

  const expected = Buffer.from(signatureWith(key, id, timestamp, body));
  // Every candidate is compared, matched or not, so the time taken tells nothing about which one.
  let matched = false;
  for (const candidate of signatures.split(' ')) {
    const given = Buffer.from(candidate);
    if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
  }
  return matched ? { ok: true } : { ok: false, reason: 'bad-signature' };
}
