import type { Executor } from '@questline/platform';
import type { RewardItem } from '@questline/contracts';
import type { ExpressionBuilder } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Reward, RewardDefinition } from '../domain/reward.js';
import type { CatalogDatabase } from './schema.js';

type Db = Executor<CatalogDatabase>;

/** The reward's items in their defined order, as one json column of the reward row. */
export function itemsOf(eb: ExpressionBuilder<CatalogDatabase, 'rewards'>) {
  return jsonArrayFrom(
    eb
      .selectFrom('reward_items')
      .select(['reward_items.currency', 'reward_items.amount'])
      .whereRef('reward_items.reward_id', '=', 'rewards.id')
      .orderBy('reward_items.position'),
  ).as('items');
}

function selectRewards(db: Db) {
  return db.selectFrom('rewards').select((eb) => ['id', 'name', 'xp', 'badge', 'created_at', 'updated_at', itemsOf(eb)]);
}

type RewardRow = {
  id: string;
  name: string;
  xp: number;
  badge: string | null;
  created_at: Date;
  updated_at: Date;
  items: RewardItem[];
};

function rewardFromRow(row: RewardRow): Reward {
  return {
    id: row.id,
    name: row.name,
    items: row.items.map((i) => ({ currency: i.currency, amount: i.amount })),
    xp: row.xp,
    badge: row.badge,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function findReward(db: Db, id: string): Promise<Reward | undefined> {
  const row = await selectRewards(db).where('id', '=', id).executeTakeFirst();
  return row && rewardFromRow(row);
}

export async function rewardExists(db: Db, id: string): Promise<boolean> {
  return (await db.selectFrom('rewards').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

/** Keyset pagination by (name, id). */
export async function listRewards(db: Db, q: { after?: [string, string]; limit: number }): Promise<Reward[]> {
  let query = selectRewards(db).orderBy('name').orderBy('id').limit(q.limit);
  const after = q.after;
  if (after) query = query.where((eb) => eb(eb.refTuple('name', 'id'), '>', eb.tuple(after[0], after[1])));
  return (await query.execute()).map(rewardFromRow);
}

async function insertItems(db: Db, rewardId: string, items: RewardItem[]): Promise<void> {
  if (!items.length) return;
  await db
    .insertInto('reward_items')
    .values(items.map((item, position) => ({ reward_id: rewardId, position, currency: item.currency, amount: item.amount })))
    .execute();
}

export async function insertReward(db: Db, def: RewardDefinition): Promise<Reward> {
  const { id } = await db
    .insertInto('rewards')
    .values({ name: def.name, xp: def.xp, badge: def.badge })
    .returning('id')
    .executeTakeFirstOrThrow();
  await insertItems(db, id, def.items);
  return (await findReward(db, id)) as Reward;
}

export async function updateReward(db: Db, id: string, def: RewardDefinition): Promise<Reward> {
  await db.updateTable('rewards').set({ name: def.name, xp: def.xp, badge: def.badge, updated_at: new Date() }).where('id', '=', id).execute();
  await db.deleteFrom('reward_items').where('reward_id', '=', id).execute();
  await insertItems(db, id, def.items);
  return (await findReward(db, id)) as Reward;
}

export async function deleteReward(db: Db, id: string): Promise<void> {
  await db.deleteFrom('rewards').where('id', '=', id).execute();
}
