import { sql } from 'kysely';
import type { UserProfileUpdate } from '@questline/contracts';
import { prepared, unnestColumns, type Executor } from '@questline/platform';
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

/** Several profiles: one array parameter, so one fixed text, prepared (every event reads its user's). */
export async function getProfiles(ex: Executor<ProgressDatabase>, ids: string[]): Promise<Map<string, StoredProfile>> {
  if (ids.length === 0) return new Map();
  const { rows } = await prepared(sql<StoredProfile>`
    SELECT id, role, status, timezone, version FROM user_profiles WHERE id = ANY(${ids}::uuid[])`).execute(ex);
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

/**
 * upsertProfile for several users (one update each) in one statement. Returns the users whose
 * stored timezone this changed: they had a row, and the newer version carries another zone (the
 * `before` CTE reads the rows as they were when the statement began).
 */
export async function upsertProfiles(ex: Executor<ProgressDatabase>, profiles: readonly UserProfileUpdate[]): Promise<string[]> {
  if (profiles.length === 0) return [];
  const col = unnestColumns(profiles);
  const { rows } = await sql<{ id: string }>`
    WITH input AS (
      SELECT * FROM unnest(${col('uuid', (p) => p.id)}, ${col('text', (p) => p.role)}, ${col('text', (p) => p.status)}, ${col('text', (p) => p.timezone)}, ${col('bigint', (p) => p.version)})
        AS t(id, role, status, timezone, version)
    ), before AS (
      SELECT p.id, p.timezone FROM user_profiles p JOIN input USING (id)
    ), stored AS (
      INSERT INTO user_profiles (id, role, status, timezone, version)
      SELECT id, role, status, timezone, version FROM input ORDER BY id
      ON CONFLICT (id) DO UPDATE SET role = excluded.role, status = excluded.status, timezone = excluded.timezone, version = excluded.version, updated_at = now()
      WHERE user_profiles.version < excluded.version
      RETURNING id, timezone
    )
    SELECT s.id FROM stored s JOIN before b ON b.id = s.id WHERE b.timezone <> s.timezone
  `.execute(ex);
  return rows.map((r) => r.id);
}
