import { createHash } from 'node:crypto';
import type { ProgressWebhookMessage } from '@questline/contracts';

export type SourceType = 'quest' | 'admin' | 'debit';

export interface GrantSource {
  type: SourceType;
  questKey?: string;
  completion?: number;
}

export interface GrantInput {
  userId: string;
  idempotencyKey: string;
  items: Array<{ currency: string; amount: number }>;
  xp: number;
  badge: string | null;
  reason: string;
  source: GrantSource;
  /** The admin who ordered it; null for quest rewards and for grants by an API key. */
  grantedBy: string | null;
  /** `user:<id>` or `key:<id>` (the audit's actor); null for quest rewards, which are not audited. */
  actor: string | null;
  /** Progress's webhook message of the (auto-claim) completion this grant pays, stored with it. */
  message?: ProgressWebhookMessage;
}

/** A stored ledger entry as the domain reads it (the repositories' rows have this shape). */
export interface LedgerEntryRecord {
  id: string;
  user_id: string;
  currency: string;
  amount: number;
  reason: string;
  source_type: SourceType;
  quest_key: string | null;
  completion: number | null;
  created_at: Date;
}

export interface LedgerEntryView {
  id: string;
  userId: string;
  currency: string;
  amount: number;
  reason: string;
  source: GrantSource;
  createdAt: string;
}

export function toLedgerEntryView(row: LedgerEntryRecord): LedgerEntryView {
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

/**
 * What a grant asks for, minus its key and who ordered it: a repeated key with another hash is a
 * different request (an admin reusing a key by mistake), not a retry.
 */
export function grantRequestHash(input: GrantInput): string {
  const { userId, items, xp, badge, reason, source } = input;
  return createHash('sha256').update(JSON.stringify({ userId, items, xp, badge, reason, source })).digest('hex');
}

/** Debit keys have their own namespace per user: a debit and a grant may share a client's key. */
export function debitKey(userId: string, idempotencyKey: string): string {
  return `debit:${userId}:${idempotencyKey}`;
}

export interface DebitRequest {
  userId: string;
  currency: string;
  amount: number;
  reason: string;
}

/** What a debit asks for: the same key with another hash is a different request, refused. */
export function debitRequestHash(request: DebitRequest): string {
  const { userId, currency, amount, reason } = request;
  return createHash('sha256').update(JSON.stringify({ type: 'debit', userId, currency, amount, reason })).digest('hex');
}
