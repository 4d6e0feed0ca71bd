import { cached, UpstreamError, type LiveUser, type ServiceClient, type UserConfirmer } from '@questline/platform';

export interface ConfirmerOptions {
  /** How long an answer of auth is trusted. A demotion or ban reaches the catalog within this. */
  ttlMs?: number;
  /** Answers remembered at most (only admin-token holders are ever asked about, so few). */
  maxEntries?: number;
  now?: () => number;
}

function liveUserOf(body: unknown): LiveUser | undefined {
  const { role, status } = (body ?? {}) as Record<string, unknown>;
  if (role !== 'player' && role !== 'admin') return undefined;
  if (status !== 'new' && status !== 'active' && status !== 'banned') return undefined;
  return { role, status };
}

/**
 * The catalog's admin routes decide on the caller's live role and status, asked of auth
 * (GET /internal/users/:id, signed with the internal credential): an access token keeps a demoted or
 * banned admin's old role for up to 15 minutes. Admin calls are rare, so an HTTP call each is cheap;
 * answers are remembered for a few seconds (bursts of an admin UI) and concurrent lookups of one
 * user share one call. Auth unreachable → UpstreamError (requireAuth answers 503): the catalog
 * never falls back to the token's claims for a write.
 */
export function createAuthUserConfirmer(auth: ServiceClient, opts: ConfirmerOptions = {}): UserConfirmer {
  async function ask(userId: string, requestId: string): Promise<LiveUser | null> {
    const res = await auth.request<unknown>('GET', `/internal/users/${encodeURIComponent(userId)}`, { requestId });
    if (res.status === 404) return null;
    if (res.status !== 200) throw new UpstreamError('auth', `GET /internal/users/:id answered ${res.status}`, res.status);
    const user = liveUserOf(res.body);
    if (!user) throw new UpstreamError('auth', 'GET /internal/users/:id: no valid role and status');
    return user;
  }

  return cached(ask, { ttlMs: opts.ttlMs ?? 3_000, maxEntries: opts.maxEntries ?? 1_000, now: opts.now });
}
