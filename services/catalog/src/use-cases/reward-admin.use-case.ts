import { insertAudit } from '../db/audit.repository.js';
import { knownCurrencies } from '../db/currency.repository.js';
import { questsUsingReward } from '../db/quest.repository.js';
import { deleteReward, findReward, insertReward, updateReward } from '../db/reward.repository.js';
import { bumpRevision } from '../db/revision.repository.js';
import { inWriteTransaction } from '../db/transaction.js';
import { failure, notFound, success, type Outcome } from '../domain/outcome.js';
import { checkReward, normalizeReward, type Reward, type RewardDefinitionInput } from '../domain/reward.js';
import type { Actor, CatalogContext } from '../context.js';

export async function createReward(ctx: CatalogContext, actor: Actor, input: RewardDefinitionInput): Promise<Outcome<Reward>> {
  const result = await inWriteTransaction(ctx.db, async (trx): Promise<Outcome<Reward>> => {
    const def = normalizeReward(input);
    const checked = checkReward(def, await knownCurrencies(trx, def.items.map((i) => i.currency)));
    if (!checked.ok) return checked;
    const reward = await insertReward(trx, def);
    await insertAudit(trx, { actorId: actor.id, action: 'reward.create', entity: 'reward', entityKey: reward.id, details: { definition: def } });
    return success(reward);
  });
  if (result.ok) ctx.recordChange('reward.create');
  return result;
}

/** A full replacement; progress sees it at once when a published quest pays this reward. */
export async function editReward(ctx: CatalogContext, actor: Actor, id: string, input: RewardDefinitionInput): Promise<Outcome<Reward>> {
  const result = await inWriteTransaction(ctx.db, async (trx): Promise<Outcome<Reward>> => {
    if (!(await findReward(trx, id))) return notFound(`reward ${id}`);
    const def = normalizeReward(input);
    const checked = checkReward(def, await knownCurrencies(trx, def.items.map((i) => i.currency)));
    if (!checked.ok) return checked;
    const reward = await updateReward(trx, id, def);
    const published = await questsUsingReward(trx, id, 'published');
    if (published.length) await bumpRevision(trx);
    await insertAudit(trx, {
      actorId: actor.id,
      action: 'reward.update',
      entity: 'reward',
      entityKey: id,
      details: { definition: def, publishedQuests: published },
    });
    return success(reward);
  });
  if (result.ok) ctx.recordChange('reward.update');
  return result;
}

/**
 * Refused while any quest of any status pays it: drafts and archived quests can be
 * (re)published, and a quest must always have a reward.
 */
export async function removeReward(ctx: CatalogContext, actor: Actor, id: string): Promise<Outcome<true>> {
  const result = await inWriteTransaction(ctx.db, async (trx): Promise<Outcome<true>> => {
    const reward = await findReward(trx, id);
    if (!reward) return notFound(`reward ${id}`);
    const users = await questsUsingReward(trx, id);
    if (users.length) return failure('REWARD_IN_USE', `reward ${id} is used by quest(s): ${users.join(', ')}`);
    await deleteReward(trx, id);
    await insertAudit(trx, { actorId: actor.id, action: 'reward.delete', entity: 'reward', entityKey: id, details: { name: reward.name, items: reward.items } });
    return success(true);
  });
  if (result.ok) ctx.recordChange('reward.delete');
  return result;
}
