import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuthDatabase, LedgerEntryRow, SourceType } from '../db/schema.js';
import { lockUser, addXpAndBadge } from '../db/users.repository.js';
import { addToBalance, entriesOfGrant, findGrantByKey, insertGrant, insertLedgerEntries } from '../db/ledger.repository.js';

export interface GrantInput {
  userId: string;
  idempotencyKey: string;
  items: Array<{ currency: string; amount: number }>;
  xp: number;
  badge: string | null;
  reason: string;
  source: { type: SourceType; questKey?: string; completion?: number };
  /** The admin who ordered it; null for quest rewards. */
  grantedBy: string | null;
}

export type GrantOutcome =
  | { kind: 'paid'; entries: LedgerEntryRow[] }
  | { kind: 'duplicate'; entries: LedgerEntryRow[]; sameRequest: boolean }
  | { kind: 'user_not_found' };

export interface LedgerEntryView {
  id: string;
  userId: string;
  currency: string;
  amount: number;
  reason: string;
  source: { type: SourceType; questKey?: string; completion?: number };
  createdAt: string;
}

export function toLedgerEntryView(row: LedgerEntryRow): LedgerEntryView {
  const source: LedgerEntryView['source'] = { type: row.source_type };
  if (row.quest_key !== null) source.questKey = row.quest_key;
  if (row.completion !== null) source.completion = row.completion;
  return {
    id: row.id,
    userId: row.user_id,
    currency: row.currency,
    amount: row.amount,
    reason: row.reason,
    source,
    createdAt: row.created_at.toISOString(),
  };
}

/** Admin keys live in their own namespace per user, so they can never collide with quest keys. */
export function adminGrantKey(userId: string, idempotencyKey: string): string {
  return `admin:${userId}:${idempotencyKey}`;
}

function requestHash(input: GrantInput): string {
  const { userId, items, xp, badge, reason, source } = input;
  return createHash('sha256').update(JSON.stringify({ userId, items, xp, badge, reason, source })).digest('hex');
}

/**
 * Pays a grant exactly once per idempotency key. The user row is locked first, then the key is
 * claimed with INSERT ... ON CONFLICT DO NOTHING: a concurrent identical grant blocks until this
 * one commits and then reads the existing entries instead of paying again.
 *
 * A banned user's grants are still paid: rewards they earned before the ban (or that were in
 * flight from progress) are theirs, balances stay intact per the API contract, and refusing
 * would make progress's relay retry the grant forever.
 */
export async function applyGrant(db: Kysely<AuthDatabase>, input: GrantInput): Promise<GrantOutcome> {
  const hash = requestHash(input);
  return db.transaction().execute(async (trx): Promise<GrantOutcome> => {
    const user = await lockUser(trx, input.userId);
    if (!user) return { kind: 'user_not_found' };
    const grantId = await insertGrant(trx, {
      idempotencyKey: input.idempotencyKey,
      userId: input.userId,
      requestHash: hash,
      xp: input.xp,
      badge: input.badge,
      grantedBy: input.grantedBy,
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
    return { kind: 'paid', entries };
  });
}
