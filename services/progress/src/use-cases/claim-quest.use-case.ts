import type { Kysely } from 'kysely';
import type { ProgressDatabase } from '../db/schema.js';
import { getStateForUpdate, addClaimed, lockUser } from '../db/user-quests.repository.js';
import { listUnclaimed, markClaimed } from '../db/completions.repository.js';
import { enqueueGrants } from '../db/outbox.repository.js';
import { enqueueWebhookMessages } from '../db/webhook-outbox.repository.js';
import { questClaimedMessage } from '../domain/webhook-messages.js';
import { requireCatalog, type CatalogCache } from '../clients/catalog-cache.js';
import type { UserDirectory } from '../clients/user-directory.js';
import { questGrant, sumRewards, type RewardTotal } from '../domain/grant.js';
import { checkPlayer } from './require-player.use-case.js';
import { questsChanged, type QuestChange } from '../domain/quest-changes.js';

export type ClaimResult =
  | { kind: 'claimed'; completions: number[]; rewarded: RewardTotal }
  | { kind: 'nothing-to-claim' }
  | { kind: 'unknown-quest' }
  | { kind: 'unknown-user' }
  | { kind: 'banned' };

export interface ClaimDeps {
  db: Kysely<ProgressDatabase>;
  users: UserDirectory;
  catalog: CatalogCache;
  /** Called after a commit that queued grants. */
  onGrantsQueued: () => void;
  /** After the claim's commit: the user's live streams read the quest again. */
  publishChange: (change: QuestChange) => void;
}

/**
 * Pays every unclaimed completion of one quest: marks them claimed and queues one grant per
 * completion (each with its own idempotency key) and the claim's quest.claimed webhook message, in
 * one transaction. The user lock and the row lock make a second, racing claim wait and then find nothing left to claim.
 *
 * The completions table decides, not the catalog: each completion carries its reward snapshot, so
 * a quest archived (or gone from the catalog copy) after it was earned is paid all the same, even
 * while no catalog copy is loaded. With nothing to pay, the quest is known — "nothing to claim" —
 * when the user has state on it or it is published now (the catalog copy is asked only then);
 * otherwise it is unknown.
 */
export async function claimQuest(deps: ClaimDeps, userId: string, questKey: string, requestId?: string): Promise<ClaimResult> {
  const player = await checkPlayer(deps.users, userId, requestId);
  if (player.kind !== 'player') return { kind: player.kind };
  const result = await deps.db.transaction().execute(async (trx) => {
    await lockUser(trx, userId);
    const state = await getStateForUpdate(trx, userId, questKey);
    const unclaimed = await listUnclaimed(trx, userId, questKey);
    if (unclaimed.length === 0) return { kind: 'none', hadState: state !== null } as const;

    const numbers = unclaimed.map((c) => c.number);
    const updated = await markClaimed(trx, userId, questKey, numbers, new Date());
    // Cannot differ under the locks; if it ever did, paying would be wrong, so abort instead.
    if (updated !== numbers.length) throw new Error(`claim of ${questKey} for ${userId} raced: ${updated}/${numbers.length}`);
    await addClaimed(trx, userId, questKey, numbers.length);
    await enqueueGrants(trx, unclaimed.map((c) => questGrant(userId, questKey, c.number, c.reward)));
    const rewarded = sumRewards(unclaimed.map((c) => c.reward));
    // Through the webhook outbox, not with the grants: the claimed completions' quest.completed went
    // that way, and one outbox keeps a receiver's "completed" before its "claimed".
    await enqueueWebhookMessages(trx, [questClaimedMessage(userId, questKey, numbers, rewarded, new Date())]);
    return { kind: 'claimed', completions: numbers, rewarded } as const;
  });
  if (result.kind === 'claimed') {
    deps.onGrantsQueued();
    deps.publishChange(questsChanged(userId, [questKey]));
    return result;
  }
  return result.hadState || requireCatalog(deps.catalog).byKey.has(questKey) ? { kind: 'nothing-to-claim' } : { kind: 'unknown-quest' };
}
