import type { Kysely } from 'kysely';
import type { ResolveExternalUsersRequest, UserProfileUpdate } from '@questline/contracts';
import { createBatchLoader, keyedSingleFlight, UpstreamError, type ServiceClient } from '@questline/platform';
import type { ProgressDatabase } from '../db/schema.js';
import { getProfile, getProfiles, upsertProfile, upsertProfiles, type StoredProfile } from '../db/profiles.repository.js';
import { describeSchemaErrors, isInternalUser, isResolveExternalUsersResponse } from './upstream-schemas.js';

/**
 * Users' profiles (status decides bans, timezone decides days), from progress's own table. Auth
 * pushes every change (POST /internal/users/:id/profile, newest version wins), so the table is the
 * truth and nothing is cached in memory: a ban is refused on the next request of any replica.
 *
 * Only for a user the table has no row for does the directory ask auth (GET /internal/users/:id),
 * once, and store the answer with version 0 so that any pushed update replaces it. Concurrent first
 * lookups of one user share one request. null = auth does not know the user; an unreachable auth
 * throws UpstreamError.
 */
export class UserDirectory {
  private readonly fetchOnce = keyedSingleFlight((userId: string, requestId?: string) => this.fetchAndStore(userId, requestId));
  // Every event reads its user's profile before it is applied: under load, one query for many
  // (a round trip costs more CPU than reading a row), each still read after it was asked for.
  private readonly loadProfile = createBatchLoader((ids: string[]) => getProfiles(this.db, ids), { maxInFlight: 2, maxBatch: 256 });

  constructor(
    private readonly db: Kysely<ProgressDatabase>,
    private readonly auth: ServiceClient,
  ) {}

  /** The stored profile, or null when progress has never heard of the user; never asks auth. */
  async local(userId: string): Promise<StoredProfile | null> {
    return (await this.loadProfile(userId)) ?? null;
  }

  async get(userId: string, requestId?: string): Promise<StoredProfile | null> {
    return (await this.local(userId)) ?? this.fetchOnce(userId, requestId);
  }

  /** Profiles of many users: one query, then auth for the unknown ones (a few at a time). */
  async getMany(userIds: string[], requestId?: string, concurrency = 8): Promise<Map<string, StoredProfile | null>> {
    const found: Map<string, StoredProfile | null> = await getProfiles(this.db, userIds);
    const missing = userIds.filter((id) => !found.has(id));
    let next = 0;
    const workers = Array.from({ length: Math.min(concurrency, missing.length) }, async () => {
      while (next < missing.length) {
        const id = missing[next++]!;
        found.set(id, await this.fetchOnce(id, requestId));
      }
    });
    await Promise.all(workers);
    return found;
  }

  /**
   * The users behind a product's external ids, in ONE call to auth (POST /internal/users/external/resolve),
   * which creates the unknown ones (with the given timezone, else UTC). Each answer is stored like a
   * first lookup (version 0: any pushed update wins), and the stored profile is returned, so a ban
   * progress already knows of decides. Keyed by external id; an unreachable auth throws UpstreamError.
   */
  async resolveExternal(users: ResolveExternalUsersRequest['users'], requestId?: string): Promise<Map<string, StoredProfile>> {
    const resolved = new Map<string, StoredProfile>();
    if (users.length === 0) return resolved;
    const res = await this.auth.request<unknown>('POST', '/internal/users/external/resolve', { body: { users }, requestId });
    if (res.status !== 200) throw new UpstreamError('auth', `POST /internal/users/external/resolve answered ${res.status}`, res.status);
    if (!isResolveExternalUsersResponse(res.body)) {
      throw new UpstreamError('auth', `POST /internal/users/external/resolve: ${describeSchemaErrors(isResolveExternalUsersResponse.errors)}`);
    }
    const known = await getProfiles(this.db, res.body.users.map((u) => u.user.id));
    for (const { externalId, user } of res.body.users) {
      const { id, role, status, timezone } = user;
      let profile = known.get(id);
      if (!profile) {
        await upsertProfile(this.db, { id, role, status, timezone, version: 0 });
        // A pushed update may have landed meanwhile; the table decides.
        profile = (await getProfile(this.db, id)) ?? { id, role, status, timezone, version: 0 };
      }
      resolved.set(externalId, profile);
    }
    return resolved;
  }

  /** A pushed update from auth; false when an equal or newer version is already stored. */
  update(profile: UserProfileUpdate): Promise<boolean> {
    return upsertProfile(this.db, profile);
  }

  /** Pushed updates of several users (one each), in one statement; returns those whose stored timezone moved. */
  updateMany(profiles: readonly UserProfileUpdate[]): Promise<string[]> {
    return upsertProfiles(this.db, profiles);
  }

  private async fetchAndStore(userId: string, requestId?: string): Promise<StoredProfile | null> {
    const res = await this.auth.request<unknown>('GET', `/internal/users/${encodeURIComponent(userId)}`, { requestId });
    if (res.status === 404) return null;
    if (res.status !== 200) throw new UpstreamError('auth', `GET /internal/users/:id answered ${res.status}`, res.status);
    if (!isInternalUser(res.body)) throw new UpstreamError('auth', `GET /internal/users/:id: ${describeSchemaErrors(isInternalUser.errors)}`);
    const { id, role, status, timezone } = res.body;
    await upsertProfile(this.db, { id, role, status, timezone, version: 0 });
    // A pushed update may have landed meanwhile; the table decides.
    return (await getProfile(this.db, userId)) ?? { id, role, status, timezone, version: 0 };
  }
}
