import type { InternalUser } from '@questline/contracts';
import { UpstreamError, type ServiceClient } from '@questline/platform';
import { describeSchemaErrors, isInternalUser } from './upstream-schemas.js';

interface Entry {
  expiresAt: number;
  value: Promise<InternalUser | null>;
}

// Bounded, so that a flood of distinct ids cannot grow memory without limit.
const MAX_ENTRIES = 10_000;

/**
 * Users' profiles from auth (GET /internal/users/:id): status decides bans, timezone decides
 * days. Cached for a few seconds only; concurrent lookups of one user share one request.
 * null means auth does not know the user; an unreachable auth throws UpstreamError.
 */
export class UserDirectory {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly client: ServiceClient,
    private readonly ttlMs: number,
  ) {}

  get(userId: string, requestId?: string): Promise<InternalUser | null> {
    const now = Date.now();
    const hit = this.cache.get(userId);
    if (hit && hit.expiresAt > now) return hit.value;
    const value = this.fetch(userId, requestId);
    if (this.cache.size >= MAX_ENTRIES) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.delete(userId);
    // Even with a zero TTL, parallel lookups in flight share the request.
    const entry: Entry = { expiresAt: Number.POSITIVE_INFINITY, value };
    this.cache.set(userId, entry);
    value.then(
      () => {
        entry.expiresAt = Date.now() + this.ttlMs;
        if (this.ttlMs === 0) this.evict(userId, entry);
      },
      () => this.evict(userId, entry),
    );
    return value;
  }

  private evict(userId: string, entry: Entry) {
    if (this.cache.get(userId) === entry) this.cache.delete(userId);
  }

  private async fetch(userId: string, requestId?: string): Promise<InternalUser | null> {
    const res = await this.client.request<unknown>('GET', `/internal/users/${encodeURIComponent(userId)}`, { requestId });
    if (res.status === 404) return null;
    if (res.status !== 200) throw new UpstreamError('auth', `GET /internal/users/:id answered ${res.status}`, res.status);
    if (!isInternalUser(res.body)) throw new UpstreamError('auth', `GET /internal/users/:id: ${describeSchemaErrors(isInternalUser.errors)}`);
    return res.body;
  }
}
