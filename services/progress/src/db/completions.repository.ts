import { sql, type RawBuilder } from 'kysely';
import type { RewardPayload } from '@questline/contracts';
import { unnestColumns, type Executor } from '@questline/platform';
import type { ProgressDatabase } from './schema.js';

export interface NewCompletion {
  userId: string;
  questKey: string;
  number: number;
  questVersion: number;
  reward: RewardPayload;
  completedAt: Date;
  claimedAt: Date | null;
}

/** Many completions in one statement: one array parameter per column (see upsertStates). */
export async function insertCompletions(ex: Executor<ProgressDatabase>, completions: NewCompletion[]): Promise<void> {
  await insertCompletionsStatement(completions)?.execute(ex);
}

/** The statement insertCompletions runs (null for none), for a caller that combines statements. */
export function insertCompletionsStatement(completions: NewCompletion[]): RawBuilder<unknown> | null {
  if (completions.length === 0) return null;
  const col = unnestColumns(completions);
  return sql`
    INSERT INTO completions (user_id, quest_key, number, quest_version, reward, completed_at, claimed_at)
    SELECT u, k, n, v, r::jsonb, c, cl FROM unnest(
      ${col('uuid', (c) => c.userId)}, ${col('text', (c) => c.questKey)}, ${col('int', (c) => c.number)}, ${col('int', (c) => c.questVersion)},
      ${col('text', (c) => JSON.stringify(c.reward))}, ${col('timestamptz', (c) => c.completedAt)}, ${col('timestamptz', (c) => c.claimedAt)}
    ) AS t(u, k, n, v, r, c, cl)`;
}

export interface UnclaimedCompletion {
  number: number;
  reward: RewardPayload;
}

export async function listUnclaimed(ex: Executor<ProgressDatabase>, userId: string, questKey: string): Promise<UnclaimedCompletion[]> {
  return ex
    .selectFrom('completions')
    .select(['number', 'reward'])
    .where('user_id', '=', userId)
    .where('quest_key', '=', questKey)
    .where('claimed_at', 'is', null)
    .orderBy('number')
    .execute();
}

export async function markClaimed(ex: Executor<ProgressDatabase>, userId: string, questKey: string, numbers: number[], at: Date): Promise<number> {
  if (numbers.length === 0) return 0;
  const result = await ex
    .updateTable('completions')
    .set({ claimed_at: at })
    .where('user_id', '=', userId)
    .where('quest_key', '=', questKey)
    .where('number', 'in', numbers)
    .where('claimed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * When each of the given users first completed each of the given quests (the earliest
 * completed_at: a completion a backfill recorded later can lie before completion number 1), as
 * user id → quest key → instant; quests never completed are absent. Judges prerequisites by time.
 */
export async function firstCompletionTimes(
  ex: Executor<ProgressDatabase>,
  userIds: string[],
  questKeys: string[],
): Promise<Map<string, Map<string, Date>>> {
  const byUser = new Map<string, Map<string, Date>>();
  if (userIds.length === 0 || questKeys.length === 0) return byUser;
  const rows = await ex
    .selectFrom('completions')
    .select(['user_id', 'quest_key', (eb) => eb.fn.min('completed_at').as('first')])
    .where('user_id', 'in', userIds)
    .where('quest_key', 'in', questKeys)
    .groupBy(['user_id', 'quest_key'])
    .execute();
  for (const r of rows) {
    const map = byUser.get(r.user_id) ?? new Map<string, Date>();
    map.set(r.quest_key, new Date(r.first));
    byUser.set(r.user_id, map);
  }
  return byUser;
}

/** The instants of one user's completions of a quest numbered above `afterNumber` (a replay's window). */
export async function completionTimes(ex: Executor<ProgressDatabase>, userId: string, questKey: string, afterNumber: number): Promise<Date[]> {
  const rows = await ex
    .selectFrom('completions')
    .select('completed_at')
    .where('user_id', '=', userId)
    .where('quest_key', '=', questKey)
    .where('number', '>', afterNumber)
    .execute();
  return rows.map((r) => r.completed_at);
}
