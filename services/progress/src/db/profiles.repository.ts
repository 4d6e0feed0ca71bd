import { sql } from 'kysely';
import type { UserProfileUpdate } from '@questline/contracts';
import type { Executor } from '@questline/platform';
import type { ProgressDatabase } from './schema.js';

/** A user as progress knows them; version 0 = fetched once from auth, not (yet) pushed by it. */
export interface StoredProfile {
  id: string;
  role: 'player' | 'admin';
  status: 'new' | 'active' | 'banned';
  timezone: string;
  version: number;
}

const COLUMNS = ['id', 'role', 'status', 'timezone', 'version'] as const;

export async function getProfile(ex: Executor<ProgressDatabase>, id: string): Promise<StoredProfile | null> {
  return (await ex.selectFrom('user_profiles').select(COLUMNS).where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function getProfiles(ex: Executor<ProgressDatabase>, ids: string[]): Promise<Map<string, StoredProfile>> {
  if (ids.length === 0) return new Map();
  const rows = await ex.selectFrom('user_profiles').select(COLUMNS).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * Stores an update only when it is newer than what is stored (the WHERE of the conflict branch),
 * so a retried or reordered delivery of an older version changes nothing. True when it was stored.
 */
export async function upsertProfile(ex: Executor<ProgressDatabase>, p: UserProfileUpdate | StoredProfile): Promise<boolean> {
  const result = await ex
    .insertInto('user_profiles')
    .values({ id: p.id, role: p.role, status: p.status, timezone: p.timezone, version: p.version })
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet((eb) => ({
          role: eb.ref('excluded.role'),
          status: eb.ref('excluded.status'),
          timezone: eb.ref('excluded.timezone'),
          version: eb.ref('excluded.version'),
          updated_at: sql<Date>`now()`,
        }))
        .where('user_profiles.version', '<', (eb) => eb.ref('excluded.version')),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}
