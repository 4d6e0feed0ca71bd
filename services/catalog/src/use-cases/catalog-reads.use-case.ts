import type { PublishedQuestsResponse } from '@questline/contracts';
import { listAudit, type AuditEntry } from '../db/audit.repository.js';
import { listCurrencies, type Currency } from '../db/currency.repository.js';
import { listDeclaredEventTypes } from '../db/event-type.repository.js';
import { listPublishedWithRewards, listRetired } from '../db/published.repository.js';
import { findQuestByKey, listQuests, type QuestListQuery } from '../db/quest.repository.js';
import { findReward, listRewards } from '../db/reward.repository.js';
import { currentRevision } from '../db/revision.repository.js';
import { etagMatches } from '../domain/etag.js';
import { isQuestKey, type Quest } from '../domain/quest.js';
import type { Reward } from '../domain/reward.js';
import type { CatalogContext } from '../context.js';

// List reads fetch one row more than the page holds: the extra row says "there is a next page"
// without a count query; the routes cut it off when they build the page.

export const listQuestsPage = (ctx: CatalogContext, q: QuestListQuery): Promise<Quest[]> => listQuests(ctx.db, { ...q, limit: q.limit + 1 });

export const listRewardsPage = (ctx: CatalogContext, q: { after?: [string, string]; limit: number }): Promise<Reward[]> =>
  listRewards(ctx.db, { ...q, limit: q.limit + 1 });

export const listCurrenciesPage = (ctx: CatalogContext, q: { afterCode?: string; limit: number }): Promise<Currency[]> =>
  listCurrencies(ctx.db, { ...q, limit: q.limit + 1 });

export const listAuditPage = (ctx: CatalogContext, q: { beforeId?: number; entity?: string; entityKey?: string; limit: number }): Promise<AuditEntry[]> =>
  listAudit(ctx.db, { ...q, limit: q.limit + 1 });

export const getReward = (ctx: CatalogContext, id: string): Promise<Reward | undefined> => findReward(ctx.db, id);

export type QuestLookup = { found: 'published'; quest: Quest } | { found: 'unpublished'; quest: Quest } | { found: 'none' };

/**
 * A quest by key as the public route shows it: published quests to anyone; drafts and archived
 * quests only when `callerIsAdmin` says so (asked only then, since it verifies a token).
 */
export async function findQuestForCaller(ctx: CatalogContext, key: string, callerIsAdmin: () => Promise<boolean>): Promise<QuestLookup> {
  const quest = isQuestKey(key) ? await findQuestByKey(ctx.db, key) : undefined;
  if (!quest) return { found: 'none' };
  if (quest.status === 'published') return { found: 'published', quest };
  return (await callerIsAdmin()) ? { found: 'unpublished', quest } : { found: 'none' };
}

export type PublishedFeed =
  | { changed: false; etag: string }
  | { changed: true; etag: string; body: PublishedQuestsResponse };

/**
 * The change feed progress polls: unchanged (the caller's tag is current) or the whole published
 * set, with the declared event types' rules (what progress judges players' own events by).
 */
export async function publishedFeed(ctx: CatalogContext, ifNoneMatch: string | undefined): Promise<PublishedFeed> {
  // Revision first, quests second: a change committed in between makes the quests newer than
  // the tag, which only costs the poller one extra fetch; the reverse order could hide a change.
  const revision = String(await currentRevision(ctx.db));
  const etag = `"${revision}"`;
  if (etagMatches(ifNoneMatch, etag)) return { changed: false, etag };
  const [quests, retired, declared] = await Promise.all([listPublishedWithRewards(ctx.db), listRetired(ctx.db), listDeclaredEventTypes(ctx.db)]);
  const eventTypes = declared.map(({ type, playerReportable, maxValue, playerDailyLimit }) => ({ type, playerReportable, maxValue, playerDailyLimit }));
  return { changed: true, etag, body: { revision, quests, retired, eventTypes } };
}
