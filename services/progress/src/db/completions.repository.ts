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

export async function insertCompletions(ex: Executor<ProgressDatabase>, completions: NewCompletion[]): Promise<void> {
  if (completions.length === 0) return;
  await ex
    .insertInto('completions')
    .values(
      completions.map((c) => ({
        user_id: c.userId,
        quest_key: c.questKey,
        number: c.number,
        quest_version: c.questVersion,
        reward: JSON.stringify(c.reward),
        completed_at: c.completedAt,
        claimed_at: c.claimedAt,
      })),
    )
    .execute();
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
