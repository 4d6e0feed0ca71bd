import { sql } from 'kysely';
import type { Executor } from '@questline/platform';
import type { QuestState } from '../domain/evaluate.js';
import type { ProgressDatabase, UserQuestsTable } from './schema.js';

// Namespace of the per-user advisory locks (the two-key form never collides with single-key locks).
const USER_LOCK_NAMESPACE = 8083;

/**
 * Serialises every state change of one user (events, claims) for the rest of the transaction,
 * including users who have no user_quests row yet, which SELECT ... FOR UPDATE could not lock.
 */
export async function lockUser(ex: Executor<ProgressDatabase>, userId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${USER_LOCK_NAMESPACE}::int, hashtext(${userId}))`.execute(ex);
}

function toState(row: Omit<UserQuestsTable, 'user_id' | 'quest_key' | 'updated_at'>): QuestState {
  return {
    progress: row.progress,
    periodKey: row.period_key,
    completions: row.completions,
    claimed: row.claimed,
    lastCompletedPeriod: row.last_completed_period,
    streakCurrent: row.streak_current,
    streakBest: row.streak_best,
    streakLastDay: row.streak_last_day,
    questVersion: row.quest_version,
  };
}

/** All quest states of a user, by quest key. */
export async function listStates(ex: Executor<ProgressDatabase>, userId: string): Promise<Map<string, QuestState>> {
  const rows = await ex.selectFrom('user_quests').selectAll().where('user_id', '=', userId).execute();
  return new Map(rows.map((r) => [r.quest_key, toState(r)]));
}

export async function getStateForUpdate(ex: Executor<ProgressDatabase>, userId: string, questKey: string): Promise<QuestState | null> {
  const row = await ex
    .selectFrom('user_quests')
    .selectAll()
    .where('user_id', '=', userId)
    .where('quest_key', '=', questKey)
    .forUpdate()
    .executeTakeFirst();
  return row ? toState(row) : null;
}

export async function upsertStates(ex: Executor<ProgressDatabase>, userId: string, states: Array<[string, QuestState]>): Promise<void> {
  if (states.length === 0) return;
  const values = states.map(([questKey, s]) => ({
    user_id: userId,
    quest_key: questKey,
    progress: s.progress,
    period_key: s.periodKey,
    completions: s.completions,
    claimed: s.claimed,
    last_completed_period: s.lastCompletedPeriod,
    streak_current: s.streakCurrent,
    streak_best: s.streakBest,
    streak_last_day: s.streakLastDay,
    quest_version: s.questVersion,
  }));
  await ex
    .insertInto('user_quests')
    .values(values)
    .onConflict((oc) =>
      oc.columns(['user_id', 'quest_key']).doUpdateSet((eb) => ({
        progress: eb.ref('excluded.progress'),
        period_key: eb.ref('excluded.period_key'),
        completions: eb.ref('excluded.completions'),
        claimed: eb.ref('excluded.claimed'),
        last_completed_period: eb.ref('excluded.last_completed_period'),
        streak_current: eb.ref('excluded.streak_current'),
        streak_best: eb.ref('excluded.streak_best'),
        streak_last_day: eb.ref('excluded.streak_last_day'),
        quest_version: eb.ref('excluded.quest_version'),
        updated_at: sql<Date>`now()`,
      })),
    )
    .execute();
}

export async function addClaimed(ex: Executor<ProgressDatabase>, userId: string, questKey: string, count: number): Promise<void> {
  await ex
    .updateTable('user_quests')
    .set((eb) => ({ claimed: eb('claimed', '+', count), updated_at: sql<Date>`now()` }))
    .where('user_id', '=', userId)
    .where('quest_key', '=', questKey)
    .execute();
}
