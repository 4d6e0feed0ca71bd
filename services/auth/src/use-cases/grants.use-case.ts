import type { GrantRequest } from '@questline/contracts';
import { actorOf, type Principal } from '@questline/platform';
import type { AuthContext } from './auth-context.js';
import { insertAudit } from '../db/audit.repository.js';
import { addToBalance, entriesOfGrant, findGrantByKey, insertGrant, insertLedgerEntries } from '../db/ledger.repository.js';
import type { LedgerEntryRow } from '../db/schema.js';
import { addXpAndBadge, lockUser } from '../db/users.repository.js';
import { enqueueWebhookMessages } from '../db/webhook-messages.repository.js';
import { ledgerMessages } from '../domain/webhook-events.js';
import { entriesWritten } from '../domain/user-changes.js';
import { adminGrantKey, grantRequestHash, toLedgerEntryView, type GrantInput, type LedgerEntryView } from '../domain/grants.js';

export type GrantOutcome =
  | { kind: 'paid'; entries: LedgerEntryRow[] }
  | { kind: 'duplicate'; entries: LedgerEntryRow[]; sameRequest: boolean }
  | { kind: 'user_not_found' };

/**
 * Pays a grant exactly once per idempotency key. The user row is locked first, then the key is
 * claimed with INSERT ... ON CONFLICT DO NOTHING: a concurrent identical grant blocks until this
 * one commits and then reads the existing entries instead of paying again.
 *
 * A banned user's grants are still paid: rewards they earned before the ban (or that were in
 * flight from progress) are theirs, balances stay intact per the API contract, and refusing
 * would make progress's relay retry the grant forever.
 */
export async function applyGrant(ctx: AuthContext, input: GrantInput): Promise<GrantOutcome> {
  const hash = grantRequestHash(input);
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<GrantOutcome> => {
    const user = await lockUser(trx, input.userId);
    if (!user) return { kind: 'user_not_found' };
    const grantId = await insertGrant(trx, {
      idempotencyKey: input.idempotencyKey,
      userId: input.userId,
      requestHash: hash,
      xp: input.xp,
      badge: input.badge,
      grantedBy: input.grantedBy,
      actor: input.actor,
    });
    if (!grantId) {
      const existing = await findGrantByKey(trx, input.idempotencyKey);
      if (!existing) throw new Error(`grant ${input.idempotencyKey} conflicted but cannot be read`);
      return { kind: 'duplicate', entries: await entriesOfGrant(trx, existing.id), sameRequest: existing.request_hash === hash };
    }
    const entries = await insertLedgerEntries(
      trx,
      { id: grantId, userId: input.userId, idempotencyKey: input.idempotencyKey, reason: input.reason, source: input.source },
      input.items,
    );
    for (const item of input.items) await addToBalance(trx, input.userId, item.currency, item.amount);
    await addXpAndBadge(trx, input.userId, input.xp, input.badge);
    // reward.granted per entry, committed with the payment (a duplicate key above writes none).
    await enqueueWebhookMessages(trx, ledgerMessages(user, entries));
    // Grants somebody ordered are audited with the payment; quest rewards are their own record.
    if (input.actor) {
      await insertAudit(trx, {
        actorId: input.actor,
        action: 'wallet.granted',
        entity: 'wallet',
        entityKey: input.userId,
        details: { entryIds: entries.map((e) => e.id), items: input.items, reason: input.reason, idempotencyKey: input.idempotencyKey },
      });
    }
    return { kind: 'paid', entries };
  });
  if (outcome.kind === 'paid') {
    ctx.recordGrant(input.source.type);
    ctx.publishChange(entriesWritten(input.userId, outcome.entries.map((e) => e.id)));
    // Its reward.granted messages are committed: the webhook relay need not wait for its poll.
    ctx.nudge('webhook');
  }
  return outcome;
}

export type QuestGrantOutcome = { kind: 'paid' | 'duplicate'; entryIds: string[] } | { kind: 'user_not_found' };

/**
 * A reward progress sends (POST /internal/grants). The key alone decides: progress may retry with
 * a reward definition that changed meanwhile, and what was paid the first time stands.
 */
export async function applyQuestGrant(ctx: AuthContext, request: GrantRequest): Promise<QuestGrantOutcome> {
  const outcome = await applyGrant(ctx, {
    userId: request.userId,
    idempotencyKey: request.idempotencyKey,
    items: request.items,
    xp: request.xp ?? 0,
    badge: request.badge ?? null,
    reason: request.reason,
    source: request.source,
    grantedBy: null,
    actor: null,
  });
  if (outcome.kind === 'user_not_found') return outcome;
  return { kind: outcome.kind, entryIds: outcome.entries.map((e) => e.id) };
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
