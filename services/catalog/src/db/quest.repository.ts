import type { Executor } from '@questline/platform';
import type { Selectable } from 'kysely';
import type { Quest, QuestDefinition, QuestStatus } from '../domain/quest.js';
import type { CatalogDatabase, QuestTable } from './schema.js';

type Db = Executor<CatalogDatabase>;
type QuestRow = Selectable<QuestTable>;

export function questFromRow(row: QuestRow): Quest {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    description: row.description,
    tags: row.tags,
    status: row.status,
    version: row.version,
    objective: row.objective,
    rewardId: row.reward_id,
    autoClaim: row.auto_claim,
    maxCompletions: row.max_completions,
    repeat: row.repeat,
    startsAt: row.starts_at ? row.starts_at.toISOString() : null,
    endsAt: row.ends_at ? row.ends_at.toISOString() : null,
    prerequisites: row.prerequisites,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function definitionColumns(def: QuestDefinition) {
  return {
    name: def.name,
    description: def.description,
    tags: def.tags,
    objective: JSON.stringify(def.objective),
    reward_id: def.rewardId,
    auto_claim: def.autoClaim,
    max_completions: def.maxCompletions,
    repeat: def.repeat,
    starts_at: def.startsAt,
    ends_at: def.endsAt,
    prerequisites: def.prerequisites,
  };
}

export async function findQuestByKey(db: Db, key: string): Promise<Quest | undefined> {
  const row = await db.selectFrom('quests').selectAll().where('key', '=', key).executeTakeFirst();
  return row && questFromRow(row);
}

export interface QuestListQuery {
  status?: QuestStatus;
  tag?: string;
  event?: string;
  afterKey?: string;
  limit: number;
}

/** Keyset pagination by key; returns up to `limit` quests. */
export async function listQuests(db: Db, q: QuestListQuery): Promise<Quest[]> {
  let query = db.selectFrom('quests').selectAll().orderBy('key').limit(q.limit);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.tag !== undefined) query = query.where((eb) => eb(eb.val(q.tag), '=', eb.fn.any('tags')));
  if (q.event !== undefined) query = query.where((eb) => eb(eb.ref('objective', '->>').key('event'), '=', q.event as string));
  if (q.afterKey !== undefined) query = query.where('key', '>', q.afterKey);
  return (await query.execute()).map(questFromRow);
}

export async function insertQuest(db: Db, def: QuestDefinition): Promise<Quest> {
  const row = await db
    .insertInto('quests')
    .values({ key: def.key, status: 'draft', version: 1, ...definitionColumns(def) })
    .returningAll()
    .executeTakeFirstOrThrow();
  return questFromRow(row);
}

export async function updateQuestDefinition(db: Db, def: QuestDefinition, version: number): Promise<Quest> {
  const row = await db
    .updateTable('quests')
    .set({ ...definitionColumns(def), version, updated_at: new Date() })
    .where('key', '=', def.key)
    .returningAll()
    .executeTakeFirstOrThrow();
  return questFromRow(row);
}

export async function updateQuestStatus(db: Db, key: string, status: QuestStatus): Promise<Quest> {
  const row = await db
    .updateTable('quests')
    .set({ status, updated_at: new Date() })
    .where('key', '=', key)
    .returningAll()
    .executeTakeFirstOrThrow();
  return questFromRow(row);
}

export async function deleteQuest(db: Db, key: string): Promise<void> {
  await db.deleteFrom('quests').where('key', '=', key).execute();
}

/** Every quest's prerequisites, for existence and cycle checks. */
export async function prerequisiteGraph(db: Db): Promise<Map<string, string[]>> {
  const rows = await db.selectFrom('quests').select(['key', 'prerequisites']).execute();
  return new Map(rows.map((r) => [r.key, r.prerequisites]));
}

/** Those of `keys` that are drafts (never published), in key order. */
export async function draftsAmong(db: Db, keys: readonly string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const rows = await db.selectFrom('quests').select('key').where('key', 'in', [...keys]).where('status', '=', 'draft').orderBy('key').execute();
  return rows.map((r) => r.key);
}

/** Keys of the quests that list `key` as a prerequisite. */
export async function questsRequiring(db: Db, key: string): Promise<string[]> {
  const rows = await db
    .selectFrom('quests')
    .select('key')
    .where((eb) => eb(eb.val(key), '=', eb.fn.any('prerequisites')))
    .orderBy('key')
    .execute();
  return rows.map((r) => r.key);
}

/** Keys of the quests (optionally only those with a status) paying a reward. */
export async function questsUsingReward(db: Db, rewardId: string, status?: QuestStatus): Promise<string[]> {
  let query = db.selectFrom('quests').select('key').where('reward_id', '=', rewardId).orderBy('key');
  if (status) query = query.where('status', '=', status);
  return (await query.execute()).map((r) => r.key);
}
