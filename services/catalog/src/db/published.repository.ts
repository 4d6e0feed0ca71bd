import type { Executor } from '@questline/platform';
import type { PublishedQuest, RetiredQuest, RewardItem } from '@questline/contracts';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import { questFromRow } from './quest.repository.js';
import type { CatalogDatabase } from './schema.js';

type Db = Executor<CatalogDatabase>;

/** Every published quest with its reward embedded, in one statement (progress polls this). */
export async function listPublishedWithRewards(db: Db): Promise<PublishedQuest[]> {
  const rows = await db
    .selectFrom('quests')
    .innerJoin('rewards', 'rewards.id', 'quests.reward_id')
    .selectAll('quests')
    .select((eb) => [
      'rewards.name as reward_name',
      'rewards.xp as reward_xp',
      'rewards.badge as reward_badge',
      jsonArrayFrom(
        eb
          .selectFrom('reward_items')
          .select(['reward_items.currency', 'reward_items.amount'])
          .whereRef('reward_items.reward_id', '=', 'rewards.id')
          .orderBy('reward_items.position'),
      ).as('reward_items'),
    ])
    .where('quests.status', '=', 'published')
    .orderBy('quests.key')
    .execute();
  return rows.map((row) => {
    const q = questFromRow(row);
    return {
      id: q.id,
      key: q.key,
      name: q.name,
      description: q.description,
      tags: q.tags,
      version: q.version,
      objective: q.objective,
      reward: {
        id: q.rewardId,
        name: row.reward_name,
        items: (row.reward_items as RewardItem[]).map((i) => ({ currency: i.currency, amount: i.amount })),
        xp: row.reward_xp,
        badge: row.reward_badge,
      },
      autoClaim: q.autoClaim,
      maxCompletions: q.maxCompletions,
      repeat: q.repeat,
      startsAt: q.startsAt,
      endsAt: q.endsAt,
      prerequisites: q.prerequisites,
    };
  });
}

/**
 * The display fields of every archived quest, for the same feed: progress shows users the
 * completions they earned on a quest archived before they claimed them.
 */
export async function listRetired(db: Db): Promise<RetiredQuest[]> {
  const rows = await db
    .selectFrom('quests')
    .select(['key', 'name', 'description', 'tags', 'version', 'objective', 'max_completions'])
    .where('quests.status', '=', 'archived')
    .orderBy('quests.key')
    .execute();
  return rows.map((row) => ({
    key: row.key,
    name: row.name,
    description: row.description,
    tags: row.tags,
    version: row.version,
    mode: row.objective.mode,
    target: row.objective.target,
    maxCompletions: row.max_completions,
  }));
}
