import { isUniqueViolation } from '@questline/platform';
import { insertAudit } from '../db/audit.repository.js';
import {
  deleteQuest,
  draftsAmong,
  findQuestByKey,
  insertQuest,
  prerequisiteGraph,
  questsRequiring,
  updateQuestDefinition,
  updateQuestStatus,
} from '../db/quest.repository.js';
import { rewardExists } from '../db/reward.repository.js';
import { bumpRevision } from '../db/revision.repository.js';
import { inWriteTransaction } from '../db/transaction.js';
import type { Transaction } from 'kysely';
import type { CatalogDatabase } from '../db/schema.js';
import { failure, invalid, notFound, success, type Outcome } from '../domain/outcome.js';
import {
  buildDefinition,
  checkPrerequisites,
  definitionChanged,
  definitionOf,
  transition,
  versionAfterEdit,
  type Quest,
  type QuestDefinition,
  type QuestDefinitionInput,
  type Transition,
} from '../domain/quest.js';
import type { Actor, CatalogContext } from '../context.js';

const keyTaken = (key: string) => failure('QUEST_KEY_TAKEN', `a quest with key ${key} already exists`, 'key');

/** Checks that need the database: the reward exists, prerequisites exist and form no cycle. */
async function checkReferences(trx: Transaction<CatalogDatabase>, def: QuestDefinition): Promise<Outcome<true>> {
  if (!(await rewardExists(trx, def.rewardId))) {
    return failure('UNKNOWN_REWARD', `no reward with id ${def.rewardId}`, 'rewardId');
  }
  return checkPrerequisites(def.key, def.prerequisites, await prerequisiteGraph(trx));
}

/**
 * A published quest whose prerequisite is a draft is locked for every player until someone
 * publishes that draft: almost always a mistake in the order of publishing, so it is refused.
 * (An archived prerequisite is allowed: players who completed it keep what it unlocked.)
 */
async function checkPrerequisitesLive(trx: Transaction<CatalogDatabase>, key: string, prerequisites: string[]): Promise<Outcome<true>> {
  const drafts = await draftsAmong(trx, prerequisites.filter((p) => p !== key));
  if (drafts.length === 0) return success(true);
  return failure('PREREQUISITE_NOT_PUBLISHED', `publish the prerequisite quest(s) first: ${drafts.join(', ')}`, 'prerequisites');
}

export async function createQuest(ctx: CatalogContext, actor: Actor, input: QuestDefinitionInput & { key: string }): Promise<Outcome<Quest>> {
  const checked = buildDefinition(input.key, input);
  if (!checked.ok) return checked;
  const def = checked.value;
  let result: Outcome<Quest>;
  try {
    result = await inWriteTransaction(ctx.db, async (trx) => {
      if (await findQuestByKey(trx, def.key)) return keyTaken(def.key);
      const refs = await checkReferences(trx, def);
      if (!refs.ok) return refs;
      const quest = await insertQuest(trx, def);
      await insertAudit(trx, { actorId: actor.id, action: 'quest.create', entity: 'quest', entityKey: quest.key, details: { definition: def } });
      return success(quest);
    });
  } catch (err) {
    // The existence check above cannot see a concurrent insert; the unique constraint can.
    if (isUniqueViolation(err, 'quests_key_unique')) return keyTaken(def.key);
    throw err;
  }
  if (result.ok) ctx.recordChange('quest.create');
  return result;
}

/** PUT: a full replacement of the definition. Only real changes bump the version (and the revision). */
export async function updateQuest(ctx: CatalogContext, actor: Actor, key: string, input: QuestDefinitionInput): Promise<Outcome<Quest>> {
  if (input.key !== undefined && input.key !== key) return invalid('key', 'key in the body must match the key in the path');
  const checked = buildDefinition(key, input);
  if (!checked.ok) return checked;
  const def = checked.value;
  const result = await inWriteTransaction(ctx.db, async (trx): Promise<Outcome<{ quest: Quest; changed: boolean }>> => {
    const current = await findQuestByKey(trx, key);
    if (!current) return notFound(`quest ${key}`);
    const refs = await checkReferences(trx, def);
    if (!refs.ok) return refs;
    if (current.status === 'published') {
      const live = await checkPrerequisitesLive(trx, key, def.prerequisites);
      if (!live.ok) return live;
    }
    const changed = definitionChanged(definitionOf(current), def);
    if (!changed) return success({ quest: current, changed });
    const version = versionAfterEdit(current, changed);
    const quest = await updateQuestDefinition(trx, def, version);
    // Archived quests are in the feed too (their display fields), so their edits must reach progress.
    if (current.status !== 'draft') await bumpRevision(trx);
    await insertAudit(trx, {
      actorId: actor.id,
      action: 'quest.update',
      entity: 'quest',
      entityKey: key,
      details: { status: current.status, fromVersion: current.version, toVersion: version, definition: def },
    });
    return success({ quest, changed });
  });
  if (!result.ok) return result;
  if (result.value.changed) ctx.recordChange('quest.update');
  return success(result.value.quest);
}

/** publish / archive; repeating the current status is a no-op that returns the quest. */
export async function changeQuestStatus(ctx: CatalogContext, actor: Actor, key: string, action: Transition): Promise<Outcome<Quest>> {
  const result = await inWriteTransaction(ctx.db, async (trx): Promise<Outcome<{ quest: Quest; changed: boolean }>> => {
    const current = await findQuestByKey(trx, key);
    if (!current) return notFound(`quest ${key}`);
    const next = transition(current.status, action);
    if (!next.changed) return success({ quest: current, changed: false });
    if (next.status === 'published') {
      const live = await checkPrerequisitesLive(trx, key, current.prerequisites);
      if (!live.ok) return live;
    }
    const quest = await updateQuestStatus(trx, key, next.status);
    // Every transition changes the feed: the published set, or the archived quests it also lists.
    await bumpRevision(trx);
    await insertAudit(trx, {
      actorId: actor.id,
      action: `quest.${action}`,
      entity: 'quest',
      entityKey: key,
      details: { from: current.status, to: next.status, version: quest.version },
    });
    return success({ quest, changed: true });
  });
  if (!result.ok) return result;
  if (result.value.changed) ctx.recordChange(`quest.${action}`);
  return success(result.value.quest);
}

/** Only drafts can be deleted (published/archived ones may have progress); and none still required by another quest. */
export async function removeQuest(ctx: CatalogContext, actor: Actor, key: string): Promise<Outcome<true>> {
  const result = await inWriteTransaction(ctx.db, async (trx): Promise<Outcome<true>> => {
    const current = await findQuestByKey(trx, key);
    if (!current) return notFound(`quest ${key}`);
    if (current.status !== 'draft') return failure('QUEST_NOT_DRAFT', `quest ${key} is ${current.status}; only drafts can be deleted`);
    const dependants = (await questsRequiring(trx, key)).filter((k) => k !== key);
    if (dependants.length) {
      return failure('QUEST_IN_USE', `quest ${key} is a prerequisite of: ${dependants.join(', ')}`);
    }
    await deleteQuest(trx, key);
    await insertAudit(trx, { actorId: actor.id, action: 'quest.delete', entity: 'quest', entityKey: key, details: { definition: definitionOf(current) } });
    return success(true);
  });
  if (result.ok) ctx.recordChange('quest.delete');
  return result;
}
