import { sql } from 'kysely';
import type { Executor } from '@questline/platform';
import type { EventTypeRule } from '@questline/contracts';
import type { CatalogDatabase } from './schema.js';

type Db = Executor<CatalogDatabase>;

export interface DeclaredEventType extends EventTypeRule {
  description: string;
  updatedAt: string;
}

export interface EventTypeSettings {
  description: string;
  playerReportable: boolean;
  maxValue: number | null;
  playerDailyLimit: number | null;
}

const toDeclared = (r: {
  type: string;
  description: string;
  player_reportable: boolean;
  max_value: number | null;
  player_daily_limit: number | null;
  updated_at: Date;
}): DeclaredEventType => ({
  type: r.type,
  description: r.description,
  playerReportable: r.player_reportable,
  maxValue: r.max_value,
  playerDailyLimit: r.player_daily_limit,
  updatedAt: r.updated_at.toISOString(),
});

export async function listDeclaredEventTypes(db: Db): Promise<DeclaredEventType[]> {
  return (await db.selectFrom('event_types').selectAll().orderBy('type').execute()).map(toDeclared);
}

export async function findDeclaredEventType(db: Db, type: string): Promise<DeclaredEventType | undefined> {
  const row = await db.selectFrom('event_types').selectAll().where('type', '=', type).executeTakeFirst();
  return row && toDeclared(row);
}

/** Inserts or replaces a declaration (PUT semantics). */
export async function upsertEventType(db: Db, type: string, s: EventTypeSettings): Promise<DeclaredEventType> {
  const values = { description: s.description, player_reportable: s.playerReportable, max_value: s.maxValue, player_daily_limit: s.playerDailyLimit };
  const row = await db
    .insertInto('event_types')
    .values({ type, ...values })
    .onConflict((oc) => oc.column('type').doUpdateSet({ ...values, updated_at: sql<Date>`now()` }))
    .returningAll()
    .executeTakeFirstOrThrow();
  return toDeclared(row);
}

/**
 * Event type → keys of the draft and published quests whose current definition listens to it
 * (archived quests no longer count events), keys sorted.
 */
export async function questKeysByEventType(db: Db): Promise<Map<string, string[]>> {
  const { rows } = await sql<{ type: string; keys: string[] }>`
    SELECT objective->>'event' AS type, array_agg(key ORDER BY key) AS keys
    FROM quests WHERE status IN ('draft', 'published')
    GROUP BY 1`.execute(db);
  return new Map(rows.map((r) => [r.type, r.keys]));
}
