import type { Kysely } from 'kysely';
import { prepareUserFeed, type ChangeListener, type ChangeNotice, type PreparedFeed } from '@questline/platform';
import type { ProgressDatabase } from '../db/schema.js';
import { requireCatalog, type CatalogCache } from '../clients/catalog-cache.js';
import type { UserDirectory } from '../clients/user-directory.js';
import { readQuestList } from '../db/user-quests.repository.js';
import { changedKeys, type QuestChange } from '../domain/quest-changes.js';
import { callerQuestViews, viewsFromStates } from './quest-views.use-case.js';

export type FeedRefusal = 'unknown-user' | 'banned';

/**
 * Progress's half of a player's live stream (the gateway joins it with auth's): the quest list as
 * GET /me/quests shows it, then one `quest` event per quest whose view changed, read again from
 * the database after the change committed (whichever replica committed it), or one `quests` event
 * with the whole list when the player's timezone or the catalog changed.
 */
export function prepareProgressFeed(
  deps: { db: Kysely<ProgressDatabase>; catalog: CatalogCache; users: UserDirectory; listener: ChangeListener },
  userId: string,
  log: { warn(obj: object, msg: string): void },
): Promise<PreparedFeed<FeedRefusal>> {
  return prepareUserFeed<FeedRefusal>(
    deps.listener,
    userId,
    {
      async snapshot() {
        const result = await callerQuestViews(deps, userId);
        if (result.kind !== 'listed') return { ok: false, reason: result.kind };
        return { ok: true, frame: { event: 'snapshot', data: { quests: result.items } } };
      },
      async onNotices(notices: ChangeNotice[]) {
        const catalog = requireCatalog(deps.catalog);
        const keys = changedKeys(notices as QuestChange[], catalog.dependents);
        const { profile, states } = await readQuestList(deps.db, userId);
        if (!profile) return { frames: [] };
        // Auth's half sends the banned user and then ends the stream; ending here could win that
        // race (progress hears of the ban through auth's outbox) and cut the stream before the
        // player learns why. So this half only stops sending.
        if (profile.status === 'banned') return { frames: [] };
        // The whole list in one event: quests may have come and gone, which single views cannot say.
        if (keys === 'all') return { frames: [{ event: 'quests', data: { quests: viewsFromStates(catalog, states, profile.timezone, new Date()) } }] };
        return { frames: viewsFromStates(catalog, states, profile.timezone, new Date(), keys).map((data) => ({ event: 'quest', data })) };
      },
    },
    log,
  );
}
