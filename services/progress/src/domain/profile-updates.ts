import type { UserProfileUpdate } from '@questline/contracts';

/** The newest update of each user in a batch (a user twice in one statement could not be upserted twice). */
export function newestPerUser(profiles: readonly UserProfileUpdate[]): UserProfileUpdate[] {
  const newest = new Map<string, UserProfileUpdate>();
  for (const p of profiles) {
    const seen = newest.get(p.id);
    if (!seen || seen.version < p.version) newest.set(p.id, p);
  }
  return [...newest.values()];
}
