import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from './errors.js';

/**
 * Service-to-service trust: every call to an /internal route carries an HMAC-SHA256, keyed by the
 * shared INTERNAL_TOKEN, over the method, the path with its query, a timestamp, a one-time nonce and
 * the SHA-256 of the body. So a call is proven by a credential, not by network position; a captured
 * signature cannot be replayed (nonce), reused later (±60 s clock window) or moved to another
 * request or body. The secret itself never travels.
 */
export const INTERNAL_HEADERS = {
  timestamp: 'x-questline-timestamp',
  nonce: 'x-questline-nonce',
  signature: 'x-questline-signature',
} as const;

/**
 * Headers a client must not be able to send through the gateway: the internal signature, and the
 * identity assertion (identity-assertion.ts; the same name, not imported, to keep this file a leaf).
 */
export const INTERNAL_HEADER_NAMES: string[] = [...Object.values(INTERNAL_HEADERS), 'x-questline-identity'];

const MAX_SKEW_MS = 60_000;

function digest(secret: string, method: string, path: string, timestamp: string, nonce: string, body: string): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return createHmac('sha256', secret).update(`v1\n${method.toUpperCase()}\n${path}\n${timestamp}\n${nonce}\n${bodyHash}`).digest('hex');
}

/** The headers that authenticate one internal request; `body` is the exact text sent (or undefined). */
export function signInternal(secret: string, req: { method: string; path: string; body?: string }): Record<string, string> {
  const timestamp = String(Date.now());
  const nonce = randomBytes(16).toString('hex');
  return {
    [INTERNAL_HEADERS.timestamp]: timestamp,
    [INTERNAL_HEADERS.nonce]: nonce,
    [INTERNAL_HEADERS.signature]: `v1=${digest(secret, req.method, req.path, timestamp, nonce, req.body ?? '')}`,
  };
}

export type InternalVerdict = 'ok' | 'missing' | 'expired' | 'bad-signature' | 'replayed';

/**
 * Remembers nonces for the skew window so that a signature works once. The memory is per process:
 * across replicas a replay is still bounded by the 60 s window (documented in ARCHITECTURE.md).
 */
export class NonceCache {
  private seen = new Map<string, number>();
  constructor(private readonly ttlMs = 2 * MAX_SKEW_MS) {}
  /** True when the nonce is fresh (and records it). */
  claim(nonce: string, now = Date.now()): boolean {
    if (this.seen.size > 10_000) for (const [n, at] of this.seen) if (now - at > this.ttlMs) this.seen.delete(n);
    const at = this.seen.get(nonce);
    if (at !== undefined && now - at <= this.ttlMs) return false;
    this.seen.set(nonce, now);
    return true;
  }
}

export function verifyInternal(
  secret: string,
  req: { method: string; path: string; body?: string; headers: Record<string, string | string[] | undefined> },
  nonces: NonceCache,
  now = Date.now(),
): InternalVerdict {
  const one = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const timestamp = one(INTERNAL_HEADERS.timestamp);
  const nonce = one(INTERNAL_HEADERS.nonce);
  const signature = one(INTERNAL_HEADERS.signature);
  if (!timestamp || !nonce || !signature || !/^\d{1,16}$/.test(timestamp) || !/^[0-9a-f]{16,64}$/.test(nonce)) return 'missing';
  if (Math.abs(now - Number(timestamp)) > MAX_SKEW_MS) return 'expired';
  const want = Buffer.from(`v1=${digest(secret, req.method, req.path, timestamp, nonce, req.body ?? '')}`);
  const got = Buffer.from(signature);
  if (got.length !== want.length || !timingSafeEqual(got, want)) return 'bad-signature';
  if (!nonces.claim(nonce, now)) return 'replayed';
  return 'ok';
}

/** Guards /internal/* routes (as a preHandler, after the body is read): only our services get in. */
export function requireInternal(secret: string) {
  const nonces = new NonceCache();
  return async (request: FastifyRequest) => {
    const verdict = verifyInternal(
      secret,
      { method: request.method, path: request.url, body: request.rawBody, headers: request.headers },
      nonces,
    );
    if (verdict !== 'ok') throw new AppError('UNAUTHENTICATED', `internal credential ${verdict}`);
  };
}
