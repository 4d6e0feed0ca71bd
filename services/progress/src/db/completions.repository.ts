import { sql } from 'kysely';
import type { RewardPayload } from '@questline/contracts';
import type { Executor } from '@questline/platform';
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
  if (completions.length === 0) return;
  const col = <T>(pick: (c: NewCompletion) => T): T[] => completions.map(pick);
  await sql`
    INSERT INTO completions (user_id, quest_key, number, quest_version, reward, completed_at, claimed_at)
    SELECT u, k, n, v, r::jsonb, c, cl FROM unnest(
      ${col((c) => c.userId)}::uuid[], ${col((c) => c.questKey)}::text[], ${col((c) => c.number)}::int[], ${col((c) => c.questVersion)}::int[],
      ${col((c) => JSON.stringify(c.reward))}::text[], ${col((c) => c.completedAt)}::timestamptz[], ${col((c) => c.claimedAt)}::timestamptz[]
    ) AS t(u, k, n, v, r, c, cl)`.execute(ex);
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
