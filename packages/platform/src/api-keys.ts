import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { ServiceClient } from './http-client.js';
import { ExpiringMemory } from './single-flight.js';
import { UpstreamError } from './upstream-error.js';

/** The closed set of API-key scopes (api.md v1.1). An admin's access token holds every one. */
export const SCOPES = ['events:write', 'users:write', 'users:read', 'catalog:write', 'webhooks:write'] as const;
export type Scope = (typeof SCOPES)[number];
// A string enum (not a union of literals mapped from SCOPES, whose decoded type is never): an
// unknown scope is "must be equal to one of the allowed values".
export const ScopeSchema = Type.Unsafe<Scope>({ type: 'string', enum: [...SCOPES] });

/** What a service knows about a verified API key: never its secret. */
export const ApiKeyCaller = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  prefix: Type.String(),
  scopes: Type.Array(ScopeSchema),
});
export type ApiKeyCaller = Static<typeof ApiKeyCaller>;

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKeyCaller;
  }
}

/** The marker every API-key secret starts with: how a Bearer credential is told from an access token. */
export const API_KEY_MARKER = 'qlk_';
/** `qlk_<prefix>_<secret>`: an 8-character base62 prefix (the key's public handle) and ≥ 32 random bytes in base62. */
export const API_KEY_FORMAT = /^qlk_([A-Za-z0-9]{8})_([A-Za-z0-9]{43,128})$/;

/** The OpenAPI security scheme of API keys (a Bearer credential too, told apart by its marker). */
export const API_KEY_SECURITY_SCHEME = {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'qlk_<prefix>_<secret>',
  description: 'An API key (POST /api/v1/admin/api-keys) for server-to-server calls; routes name the scope they need.',
} as const;

export const isApiKeyCredential = (token: string): boolean => token.startsWith(API_KEY_MARKER);

/**
 * Checks an API-key secret: the key, or null when it is unknown, revoked or malformed. A source
 * that cannot be asked now throws UpstreamError (the caller answers 503: the client did nothing wrong).
 */
export type ApiKeyVerifier = (secret: string, requestId: string) => Promise<ApiKeyCaller | null>;

/** POST /internal/api-keys/verify on auth: `{secret}` → 200 `{apiKey}` | 404 (unknown or revoked). */
export const ApiKeyVerifyRequest = Type.Object({ secret: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false });
export const ApiKeyVerifyResponse = Type.Object({ apiKey: ApiKeyCaller });

export interface KeyCacheOptions {
  /**
   * How long a verdict (valid or not) is trusted. api.md: a revoked key is refused everywhere
   * within 5 s; every hop that sees the secret checks it on its own (a service behind the gateway
   * acts on the gateway's assertion of its fresh verdict), so the bound is this TTL plus one
   * request, not a sum.
   */
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

/**
 * A verifier that remembers verdicts for a short while, and asks `lookup` once per secret at a
 * time (concurrent first requests with the same key share one lookup). Malformed secrets are
 * refused without a lookup, so garbage cannot reach auth.
 */
export function cachedApiKeyVerifier(lookup: ApiKeyVerifier, opts: KeyCacheOptions = {}): ApiKeyVerifier {
  const ttlMs = opts.ttlMs ?? 2_000;
  const now = opts.now ?? Date.now;
  const verdicts = new ExpiringMemory<string, ApiKeyCaller | null>(opts.maxEntries ?? 10_000, now);
  const inFlight = new Map<string, Promise<ApiKeyCaller | null>>();
  return async (secret, requestId) => {
    if (!API_KEY_FORMAT.test(secret)) return null;
    const hit = verdicts.get(secret);
    if (hit !== undefined) return hit;
    let pending = inFlight.get(secret);
    if (!pending) {
      pending = lookup(secret, requestId)
        .then((verdict) => {
          verdicts.set(secret, verdict, now() + ttlMs);
          return verdict;
        })
        .finally(() => inFlight.delete(secret));
      inFlight.set(secret, pending);
    }
    return pending;
  };
}

/** Whether auth's answer is `{apiKey: {id, name, prefix, scopes}}` with known scopes only. */
function isApiKeyAnswer(body: unknown): body is Static<typeof ApiKeyVerifyResponse> {
  const key = (body as { apiKey?: Record<string, unknown> } | null)?.apiKey;
  if (!key || typeof key !== 'object') return false;
  const { id, name, prefix, scopes } = key;
  return (
    typeof id === 'string' &&
    typeof name === 'string' &&
    typeof prefix === 'string' &&
    Array.isArray(scopes) &&
    scopes.every((s) => typeof s === 'string' && (SCOPES as readonly string[]).includes(s))
  );
}

/** Asks auth (signed internal call) through a short cache; what the gateway, catalog and progress use. */
export function remoteApiKeyVerifier(auth: ServiceClient, opts: KeyCacheOptions = {}): ApiKeyVerifier {
  return cachedApiKeyVerifier(async (secret, requestId) => {
    const res = await auth.request<Static<typeof ApiKeyVerifyResponse>>('POST', '/internal/api-keys/verify', { body: { secret }, requestId });
    // A key is trusted for what the answer says it may do: an answer of another shape (a peer on
    // another version, a proxy's page) is no verdict at all.
    if (res.status === 200 && isApiKeyAnswer(res.body)) return res.body.apiKey;
    if (res.status === 200) throw new UpstreamError('auth', 'api key check answered 200 in an unknown shape', res.status);
    if (res.status === 404) return null;
    throw new UpstreamError('auth', `api key check answered ${res.status}`, res.status);
  }, opts);
}

/** Who is calling: a user by access token, or a product's server by API key. */
export type Principal = { kind: 'user'; userId: string; role: 'player' | 'admin' } | { kind: 'key'; key: ApiKeyCaller };

export function principalOf(request: FastifyRequest): Principal | undefined {
  if (request.apiKey) return { kind: 'key', key: request.apiKey };
  if (request.user) return { kind: 'user', userId: request.user.id, role: request.user.role };
  return undefined;
}

/** The actor an audit entry names: `user:<id>` or `key:<id>`. */
export function actorOf(principal: Principal): string {
  return principal.kind === 'key' ? `key:${principal.key.id}` : `user:${principal.userId}`;
}

/** Whether a caller is a server (a key, or an admin's token: it holds every scope). */
export const isServerCaller = (principal: Principal): boolean => principal.kind === 'key' || principal.role === 'admin';

/**
 * An operation's `security` and its description (`detail` first, if any) naming who may call it: a
 * route with a scope takes an admin's access token (it holds every scope) or a key with that scope.
 */
export function scopedSecurity(scope: Scope, detail?: string): { security: Array<Record<string, string[]>>; description: string } {
  const who = `Takes an admin's access token or an API key with scope \`${scope}\`.`;
  return { security: [{ bearerAuth: [] }, { apiKey: [] }], description: detail ? `${detail}\n\n${who}` : who };
}
