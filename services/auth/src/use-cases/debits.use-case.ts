import { actorOf, type Principal } from '@questline/platform';
import { entriesWritten } from '../domain/user-changes.js';
import type { AuthContext } from './auth-context.js';
import { insertAudit } from '../db/audit.repository.js';
import { debitBalance, entriesOfGrant, findGrantByKey, insertGrant, insertLedgerEntries } from '../db/ledger.repository.js';
import { findUserById } from '../db/users.repository.js';
import { enqueueWebhookMessages } from '../db/webhook-messages.repository.js';
import { ledgerMessages } from '../domain/webhook-events.js';
import { debitKey, debitRequestHash, toLedgerEntryView, type LedgerEntryView } from '../domain/grants.js';

export interface DebitInput {
  userId: string;
  currency: string;
  amount: number;
  reason: string;
  idempotencyKey: string;
}

export type DebitOutcome =
  | { kind: 'debited' | 'duplicate'; entry: LedgerEntryView }
  | { kind: 'user_not_found' }
  /** api.md: a banned user's balances stay intact. */
  | { kind: 'user_banned' }
  | { kind: 'key_reused' }
  | { kind: 'insufficient_funds' }
  | { kind: 'currency_unknown' }
  | { kind: 'catalog_unavailable' };

type Refusal = Extract<DebitOutcome, { kind: 'user_banned' | 'insufficient_funds' }>;

/** Thrown inside the transaction to roll back the key it claimed; caught right outside it. */
class RolledBack extends Error {
  constructor(readonly outcome: Refusal) {
    super(outcome.kind);
  }
}

/**
 * Takes money from a wallet, once per idempotency key. In one transaction: the key is claimed
 * (a concurrent request with the same key waits here, then reads the first one's entry), the
 * balance is lowered by one conditional UPDATE (never below zero, whatever races), and the negative
 * ledger entry and the audit row are written. A refusal rolls the claim back, so nothing at all is
 * written and the same key may be tried again later.
 */
export async function applyDebit(ctx: AuthContext, caller: Principal, input: DebitInput, requestId?: string): Promise<DebitOutcome> {
  const verdict = await ctx.currencies.check(input.currency, requestId);
  if (verdict === 'unknown') return { kind: 'currency_unknown' };
  if (verdict === 'unavailable') return { kind: 'catalog_unavailable' };
  const key = debitKey(input.userId, input.idempotencyKey);
  const hash = debitRequestHash(input);
  const actor = actorOf(caller);
  try {
    const outcome = await ctx.db.transaction().execute(async (trx): Promise<DebitOutcome> => {
      const user = await findUserById(trx, input.userId);
      if (!user) return { kind: 'user_not_found' };
      const grantId = await insertGrant(trx, {
        idempotencyKey: key,
        userId: input.userId,
        requestHash: hash,
        xp: 0,
        badge: null,
        grantedBy: caller.kind === 'user' ? caller.userId : null,
        actor,
      });
      if (!grantId) {
        const existing = await findGrantByKey(trx, key);
        if (!existing) throw new Error(`debit ${key} conflicted but cannot be read`);
        if (existing.request_hash !== hash) return { kind: 'key_reused' };
        const [entry] = await entriesOfGrant(trx, existing.id);
        if (!entry) throw new Error(`debit ${key} has no ledger entry`);
        return { kind: 'duplicate', entry: toLedgerEntryView(entry) };
      }
      if (user.status === 'banned') throw new RolledBack({ kind: 'user_banned' });
      const left = await debitBalance(trx, input.userId, input.currency, input.amount);
      if (left === undefined) throw new RolledBack({ kind: 'insufficient_funds' });
      const [entry] = await insertLedgerEntries(
        trx,
        { id: grantId, userId: input.userId, idempotencyKey: key, reason: input.reason, source: { type: 'debit' } },
        [{ currency: input.currency, amount: -input.amount }],
      );
      if (!entry) throw new Error('debit produced no ledger entry');
      await enqueueWebhookMessages(trx, ledgerMessages(user, [entry]));
      await insertAudit(trx, {
        actorId: actor,
        action: 'wallet.debited',
        entity: 'wallet',
        entityKey: input.userId,
        details: { entryId: entry.id, currency: input.currency, amount: input.amount, reason: input.reason, idempotencyKey: input.idempotencyKey, balance: left },
      });
      return { kind: 'debited', entry: toLedgerEntryView(entry) };
    });
    // Its wallet.debited message is committed: the webhook relay need not wait for its poll.
    if (outcome.kind === 'debited') {
      ctx.nudge('webhook');
      ctx.publishChange(entriesWritten(input.userId, [outcome.entry.id]));
    }
    return outcome;
  } catch (err) {
    if (err instanceof RolledBack) return err.outcome;
    throw err;
  }
}
