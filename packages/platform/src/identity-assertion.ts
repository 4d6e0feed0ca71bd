import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from './errors.js';
import { SCOPES, type ApiKeyCaller } from './api-keys.js';
import type { AssertedCaller, AuthUser } from './auth.js';
import { isUuid } from './uuid.js';

/**
 * Verify a token once: the gateway checks the bearer token (or API key) of a request and hands the
 * owning service the verified caller in this header, signed with the internal credential
 * (HMAC-SHA256 keyed by INTERNAL_TOKEN, as internal.ts signs /internal calls). The service trusts a
 * valid assertion instead of verifying the token again (an Ed25519 verify) or asking auth about
 * the key; called without one (directly), it checks the bearer credential itself as before.
 *
 * `v1.<base64url(JSON claims)>.<base64url(HMAC)>`, the HMAC over the method, the path (without
 * query), the request id and the encoded claims, so an assertion proves nothing for another
 * request: another route, method or request id fails the signature. It expires ASSERTION_TTL_MS
 * after the gateway signed it. No nonce: within those seconds a replay of the same request (same
 * method, path and request id) is possible for whoever reads gateway→service traffic, who also
 * reads the bearer token itself, valid for 15 minutes; the gateway's own retry of a GET is such a
 * replay, and must work.
 *
 * The gateway strips this header from every client request (INTERNAL_HEADER_NAMES), so only it
 * can set it. An assertion that is present but malformed, forged, expired or for another request
 * is a 401, never ignored: a request does not fall back to a weaker check.
 */
export const IDENTITY_HEADER = 'x-questline-identity';

/** How long an assertion is valid after the gateway signed it; it is checked on arrival. */
export const ASSERTION_TTL_MS = 30_000;
/** How far a gateway's clock may run ahead of a service's (internal.ts allows the same skew). */
const MAX_AHEAD_MS = 60_000;

interface Claims {
  /** Expiry, ms since the epoch. */
  e: number;
  u?: { id: string; role: string; status: string; tz: string };
  k?: ApiKeyCaller;
}

export interface AssertionTarget {
  method: string;
  /** The path as the service receives it, without the query. */
  path: string;
  requestId: string;
}

function mac(secret: string, target: AssertionTarget, encoded: string): Buffer {
  return createHmac('sha256', secret).update(`v1\n${target.method.toUpperCase()}\n${target.path}\n${target.requestId}\n${encoded}`).digest();
}

/** The header value vouching for `caller` on exactly this request. */
export function signIdentity(secret: string, target: AssertionTarget, caller: AssertedCaller, now = Date.now()): string {
  const claims: Claims =
    caller.kind === 'user'
      ? { e: now + ASSERTION_TTL_MS, u: { id: caller.user.id, role: caller.user.role, status: caller.user.status, tz: caller.user.timezone } }
      : { e: now + ASSERTION_TTL_MS, k: { id: caller.key.id, name: caller.key.name, prefix: caller.key.prefix, scopes: caller.key.scopes } };
  const encoded = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `v1.${encoded}.${mac(secret, target, encoded).toString('base64url')}`;
}

export type AssertionVerdict = { ok: true; caller: AssertedCaller } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

const FORM = /^v1\.([A-Za-z0-9_-]{1,2048})\.([A-Za-z0-9_-]{43})$/;

function callerOf(claims: Claims): AssertedCaller | undefined {
  const { u, k } = claims;
  if (u && !k) {
    const { id, role, status, tz } = u;
    if (!isUuid(id) || (role !== 'player' && role !== 'admin') || typeof tz !== 'string') return undefined;
    if (status !== 'new' && status !== 'active' && status !== 'banned') return undefined;
    const user: AuthUser = { id, role, status, timezone: tz };
    return { kind: 'user', user };
  }
  if (k && !u) {
    const { id, name, prefix, scopes } = k;
    if (!isUuid(id) || typeof name !== 'string' || typeof prefix !== 'string' || !Array.isArray(scopes)) return undefined;
    if (!scopes.every((s) => (SCOPES as readonly string[]).includes(s))) return undefined;
    return { kind: 'key', key: { id, name, prefix, scopes } };
  }
  return undefined;
}

/** Checks an assertion for the request it arrived with. */
export function verifyIdentity(secret: string, target: AssertionTarget, header: string, now = Date.now()): AssertionVerdict {
  const parts = FORM.exec(header);
  if (!parts) return { ok: false, reason: 'malformed' };
  const [, encoded, signature] = parts as unknown as [string, string, string];
  const got = Buffer.from(signature, 'base64url');
  const want = mac(secret, target, encoded);
  // The signature first: nothing of an unsigned payload is even parsed.
  if (got.length !== want.length || !timingSafeEqual(got, want)) return { ok: false, reason: 'bad-signature' };
  let claims: Claims;
  try {
    claims = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as Claims;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof claims !== 'object' || claims === null || typeof claims.e !== 'number') return { ok: false, reason: 'malformed' };
  if (now > claims.e || claims.e - now > ASSERTION_TTL_MS + MAX_AHEAD_MS) return { ok: false, reason: 'expired' };
  const caller = callerOf(claims);
  return caller ? { ok: true, caller } : { ok: false, reason: 'malformed' };
}

/** The method, path (without query) and request id an assertion for this request must name. */
export function assertionTarget(request: FastifyRequest): AssertionTarget {
  const q = request.url.indexOf('?');
  return { method: request.method, path: q === -1 ? request.url : request.url.slice(0, q), requestId: String(request.id) };
}

/**
 * Every service behind the gateway (createApp with an internalToken): a request carrying an
 * assertion is answered for the caller it names (requireAuth, optionalCallerOf read
 * `request.assertedCaller`), or refused with 401 when the assertion does not hold.
 */
export function installIdentityAssertions(app: FastifyInstance, secret: string): void {
  app.addHook('onRequest', async (request) => {
    const header = request.headers[IDENTITY_HEADER];
    if (header === undefined) return;
    const verdict = typeof header === 'string' ? verifyIdentity(secret, assertionTarget(request), header) : ({ ok: false, reason: 'malformed' } as const);
    if (!verdict.ok) throw new AppError('UNAUTHENTICATED', `identity assertion ${verdict.reason}`);
    request.assertedCaller = verdict.caller;
  });
}
