import type { AuthContext } from '../context.js';
import { listLedger } from '../db/ledger.repository.js';
import { toLedgerEntryView, type LedgerEntryView } from '../domain/grants.js';
import type { KeysetPage } from './users.use-case.js';

/** A user's ledger, newest first, before the key of the previous page's last entry. */
export async function ledgerPage(
  ctx: AuthContext,
  userId: string,
  page: { limit: number; before?: [string, string] },
): Promise<KeysetPage<LedgerEntryView>> {
  const rows = await listLedger(ctx.db, userId, { limit: page.limit + 1, before: page.before });
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  return {
    items: items.map(toLedgerEntryView),
    next: rows.length > page.limit && last ? [last.sort_ts, last.id] : null,
  };
}
