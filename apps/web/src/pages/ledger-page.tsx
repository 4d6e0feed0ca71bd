import type { LedgerEntry } from '../api/types';
import { Amount } from '../components/icons';
import { usePagedList } from '../components/paged-list';
import { Async } from '../components/status';
import { formatDateTime } from '../lib/format';
import { LoadMore } from '../components/load-more';

const PAGE_SIZE = 20;

function sourceText(e: LedgerEntry): string {
  if (e.source.type === 'quest' && e.source.questKey) {
    return `Quest ${e.source.questKey}${e.source.completion ? ` (completion #${e.source.completion})` : ''}`;
  }
  if (e.source.type === 'admin') return 'Granted by an admin';
  if (e.source.type === 'debit') return 'Spent';
  return e.source.type;
}

/** The player's own ledger, or (with `path`) any user's for an admin. */
export function LedgerPage({ path = '/me/ledger', empty = 'No entries yet: complete a quest to earn your first reward.' }: { path?: string; empty?: string } = {}) {
  const list = usePagedList<LedgerEntry>(path, { limit: PAGE_SIZE }, [path]);
  return (
    <Async state={{ ...list.first, data: list.items }} label="Loading your ledger…">
      {(items) => (
        <>
          {items.length === 0 ? (
            <p>{empty}</p>
          ) : (
            <ol class="ledger" aria-label="Ledger entries, newest first" data-testid="ledger">
              {items.map((e) => (
                <li key={e.id} class="ledger-entry">
                  <Amount currency={e.currency} amount={e.amount} signed />
                  <div class="ledger-text">
                    <span class="ledger-reason">{e.reason}</span>
                    <small>
                      {sourceText(e)} · <time dateTime={e.createdAt}>{formatDateTime(e.createdAt)}</time>
                    </small>
                  </div>
                </li>
              ))}
            </ol>
          )}
          <LoadMore list={list} />
        </>
      )}
    </Async>
  );
}
