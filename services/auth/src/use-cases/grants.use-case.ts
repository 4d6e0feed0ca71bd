import type { GrantRequest } from '@questline/contracts';
import { actorOf, type Principal } from '@questline/platform';
import type { AuthContext } from './auth-context.js';
import { insertAudit } from '../db/audit.repository.js';
import { findGrantsByKeys, lockUsers, payGrants } from '../db/grant-batches.repository.js';
import type { LedgerEntryRow } from '../db/schema.js';
import { enqueueWebhookMessages } from '../db/webhook-messages.repository.js';
import { ledgerMessages, progressMessage } from '../domain/webhook-events.js';
import { entriesWritten } from '../domain/user-changes.js';
import { lockOrder, slotGrants } from '../domain/grant-batches.js';
import { adminGrantKey, grantRequestHash, toLedgerEntryView, type GrantInput, type LedgerEntryView } from '../domain/grants.js';

export type GrantOutcome =
  | { kind: 'paid'; entries: LedgerEntryRow[] }
  | { kind: 'duplicate'; entries: LedgerEntryRow[]; sameRequest: boolean }
  | { kind: 'user_not_found' };

/** One grant: a batch of one, so that a single grant and a batch pay by the same code. */
export async function applyGrant(ctx: AuthContext, input: GrantInput): Promise<GrantOutcome> {
  const [outcome] = await applyGrants(ctx, [input]);
  if (!outcome) throw new Error('a batch of one grant gave no outcome');
  return outcome;
}

/**
 * Pays grants exactly once per idempotency key, in one transaction whatever their number: the
 * users' rows are locked first, in id order (domain/grant-batches.ts), then the keys are claimed
 * with one INSERT ... ON CONFLICT DO NOTHING. A concurrent grant of the same key (same user, so it
 * waits on the user's lock) finds the key claimed and reads the existing entries instead of paying
 * again; a key twice inside the batch pays at its first occurrence. Keys, entries, balances (one
 * upsert per user and currency) and XP and badges are written in one statement, the webhook
 * messages (progress's that came with the grants, reward.granted) in another, audits of the paying
 * grants after them, all committed with the payment.
 *
 * A banned user's grants are still paid: rewards they earned before the ban (or that were in
 * flight from progress) are theirs, balances stay intact per the API contract, and refusing
 * would make progress's relay retry the grant forever.
 */
export async function applyGrants(ctx: AuthContext, inputs: readonly GrantInput[]): Promise<GrantOutcome[]> {
  const hashes = inputs.map(grantRequestHash);
  let deliveries = 0;
  const outcomes = await ctx.db.transaction().execute(async (trx): Promise<GrantOutcome[]> => {
    const users = new Map((await lockUsers(trx, lockOrder(inputs.map((g) => g.userId)))).map((u) => [u.id, u]));
    const slots = slotGrants(inputs, new Set(users.keys()));
    const candidates = inputs.flatMap((g, i) => (slots[i]!.kind === 'candidate' ? [{ g, i }] : []));
    // Sorted keys: concurrent claims of overlapping keys take the index's entries in one order.
    const sorted = [...candidates].sort((a, b) => (a.g.idempotencyKey < b.g.idempotencyKey ? -1 : 1));
    const { claimed, entries: written } = await payGrants(
      trx,
      sorted.map(({ g, i }) => ({ idempotencyKey: g.idempotencyKey, userId: g.userId, requestHash: hashes[i]!, xp: g.xp, badge: g.badge, grantedBy: g.grantedBy, actor: g.actor })),
      sorted.flatMap(({ g }) => g.items.map((item, position) => ({ idempotencyKey: g.idempotencyKey, currency: item.currency, amount: item.amount, reason: g.reason, source: g.source, position }))),
    );
    const paying = candidates.filter(({ g }) => claimed.has(g.idempotencyKey));
    const existing = await findGrantsByKeys(
      trx,
      candidates.filter(({ g }) => !claimed.has(g.idempotencyKey)).map(({ g }) => g.idempotencyKey),
    );
    const entriesOf = new Map<string, LedgerEntryRow[]>();
    for (const entry of written) entriesOf.set(entry.grant_id, [...(entriesOf.get(entry.grant_id) ?? []), entry]);
    const paidEntries = (key: string) => (entriesOf.get(claimed.get(key)!) ?? []).sort((a, b) => a.position - b.position);
    // Progress's messages that came with the grants, whatever their outcome (ids make a re-sent one
    // add nothing), then reward.granted per entry (a key paid before writes none): one statement,
    // committed with the payment.
    const carried = inputs.flatMap((g) => (g.message ? [progressMessage(g.message, users.get(g.userId)?.external_id ?? null)] : []));
    const granted = paying.flatMap(({ g }) => ledgerMessages(users.get(g.userId)!, paidEntries(g.idempotencyKey)));
    ({ deliveries } = await enqueueWebhookMessages(trx, [...carried, ...granted]));
    // Grants somebody ordered are audited with the payment; quest rewards are their own record.
    for (const { g } of paying) {
      if (!g.actor) continue;
      await insertAudit(trx, {
        actorId: g.actor,
        action: 'wallet.granted',
        entity: 'wallet',
        entityKey: g.userId,
        details: { entryIds: paidEntries(g.idempotencyKey).map((e) => e.id), items: g.items, reason: g.reason, idempotencyKey: g.idempotencyKey },
      });
    }
    const result: GrantOutcome[] = slots.map((slot, i): GrantOutcome => {
      if (slot.kind === 'unknown_user') return { kind: 'user_not_found' };
      const key = inputs[i]!.idempotencyKey;
      if (slot.kind === 'candidate' && claimed.has(key)) return { kind: 'paid', entries: paidEntries(key) };
      const first = slot.kind === 'repeat' ? slot.of : i;
      const before = existing.get(key);
      if (before) return { kind: 'duplicate', entries: before.entries, sameRequest: before.requestHash === hashes[i] };
      if (!claimed.has(key)) throw new Error(`grant ${key} conflicted but cannot be read`);
      return { kind: 'duplicate', entries: paidEntries(key), sameRequest: hashes[first] === hashes[i] };
    });
    return result;
  });
  const changed = new Map<string, string[]>();
  for (const [i, outcome] of outcomes.entries()) {
    if (outcome.kind !== 'paid') continue;
    const input = inputs[i]!;
    ctx.recordGrant(input.source.type);
    changed.set(input.userId, [...(changed.get(input.userId) ?? []), ...outcome.entries.map((e) => e.id)]);
  }
  for (const [userId, ids] of changed) ctx.publishChange(entriesWritten(userId, ids));
  // Their reward.granted deliveries are committed: the webhook relay need not wait for its poll
  // (with no endpoint subscribed there are none, and a pass of its lanes would find nothing).
  if (deliveries > 0) ctx.nudge('webhook');
  return outcomes;
}

export type QuestGrantOutcome = { kind: 'paid' | 'duplicate'; entryIds: string[] } | { kind: 'user_not_found' };

/** A reward as progress sends it: no actor, no audit (the quest is its record). */
function questGrantInput(request: GrantRequest): GrantInput {
  return {
    userId: request.userId,
    idempotencyKey: request.idempotencyKey,
    items: request.items,
    xp: request.xp ?? 0,
    badge: request.badge ?? null,
    reason: request.reason,
    source: request.source,
    grantedBy: null,
    actor: null,
    message: request.message,
  };
}

function questOutcome(outcome: GrantOutcome): QuestGrantOutcome {
  if (outcome.kind === 'user_not_found') return outcome;
  return { kind: outcome.kind, entryIds: outcome.entries.map((e) => e.id) };
}

/**
 * A reward progress sends (POST /internal/grants). The key alone decides: progress may retry with
 * a reward definition that changed meanwhile, and what was paid the first time stands.
 */
export async function applyQuestGrant(ctx: AuthContext, request: GrantRequest): Promise<QuestGrantOutcome> {
  return questOutcome(await applyGrant(ctx, questGrantInput(request)));
}

/** Rewards progress sends together (POST /internal/grants/batch): one transaction, one outcome per request. */
export async function applyQuestGrants(ctx: AuthContext, requests: readonly GrantRequest[]): Promise<QuestGrantOutcome[]> {
  return (await applyGrants(ctx, requests.map(questGrantInput))).map(questOutcome);
}

export interface AdminGrantRequest {
  userId: string;
  currency: string;
  amount: number;
  reason: string;
  idempotencyKey: string;
}

export type AdminGrantOutcome =
  | { kind: 'paid' | 'duplicate'; entry: LedgerEntryView }
  | { kind: 'user_not_found' }
  /** The key was used before for a grant with other contents: nothing is paid. */
  | { kind: 'key_reused' }
  | { kind: 'currency_unknown' }
  /** The currency is not among those we know, and the catalog could not be asked. */
  | { kind: 'catalog_unavailable' };

/**
 * An admin's (or a `users:write` key's) grant: the currency must be one the catalog lists (quest
 * rewards skip this check, see the client), the key is the caller's own, namespaced per user.
 */
export async function applyAdminGrant(ctx: AuthContext, caller: Principal, request: AdminGrantRequest, requestId?: string): Promise<AdminGrantOutcome> {
  const { userId, currency, amount, reason, idempotencyKey } = request;
  const verdict = await ctx.currencies.check(currency, requestId);
  if (verdict === 'unknown') return { kind: 'currency_unknown' };
  if (verdict === 'unavailable') return { kind: 'catalog_unavailable' };
  const outcome = await applyGrant(ctx, {
    userId,
    idempotencyKey: adminGrantKey(userId, idempotencyKey),
    items: [{ currency, amount }],
    xp: 0,
    badge: null,
    reason,
    source: { type: 'admin' },
    grantedBy: caller.kind === 'user' ? caller.userId : null,
    actor: actorOf(caller),
  });
  if (outcome.kind === 'user_not_found') return outcome;
  if (outcome.kind === 'duplicate' && !outcome.sameRequest) return { kind: 'key_reused' };
  const entry = outcome.entries[0];
  if (!entry) throw new Error('admin grant produced no ledger entry');
  return { kind: outcome.kind, entry: toLedgerEntryView(entry) };
}
