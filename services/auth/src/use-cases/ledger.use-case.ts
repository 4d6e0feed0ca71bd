import { toPage, type Page } from '@questline/platform';
import type { AuthContext } from './auth-context.js';
import { listLedger } from '../db/ledger.repository.js';
import { findUserById } from '../db/users.repository.js';
import { toLedgerEntryView, type LedgerEntryView } from '../domain/grants.js';

/** A user's ledger, newest first, before the key of the previous page's last entry. */
export async function ledgerPage(
  ctx: AuthContext,
  userId: string,
  page: { limit: number; before?: [string, string] },
): Promise<Page<LedgerEntryView>> {
  const rows = await listLedger(ctx.db, userId, { limit: page.limit + 1, before: page.before });
  const { items, nextCursor } = toPage(rows, page.limit, (last) => [last.sort_ts, last.id]);
  return { items: items.map(toLedgerEntryView), nextCursor };
}

/** Any user's ledger (admins, keys with users:read); undefined when there is no such user. */
export async function userLedgerPage(
  ctx: AuthContext,
  userId: string,
  page: { limit: number; before?: [string, string] },
): Promise<Page<LedgerEntryView> | undefined> {
  if (!(await findUserById(ctx.db, userId))) return undefined;
  return ledgerPage(ctx, userId, page);
}
