import { useState } from 'preact/hooks';
import { LoadMore } from '../../components/load-more';
import { usePagedList } from '../../components/paged-list';
import { Async } from '../../components/status';
import { formatDateTime } from '../../lib/format';

/** One entry of either audit trail (the catalog's, and auth's accounts audit: keys, users, wallets). */
interface AuditEntry {
  id: number;
  actorId: string;
  action: string;
  entity: string;
  entityKey: string;
  at: string;
  details: Record<string, unknown>;
}

const TRAILS = [
  { id: 'catalog', label: 'Catalog', path: '/admin/audit', what: 'quests, rewards, currencies and event types' },
  { id: 'accounts', label: 'Accounts', path: '/admin/account-audit', what: 'users, API keys, grants, debits and webhooks' },
] as const;

function detailsText(details: Record<string, unknown>): string {
  const text = JSON.stringify(details);
  return text === '{}' ? '' : text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

function Trail({ path }: { path: string }) {
  const list = usePagedList<AuditEntry>(path, { limit: 50 }, [path]);
  return (
    <Async state={{ ...list.first, data: list.items }} label="Loading the audit log…">
      {(items) =>
        items.length === 0 ? (
          <p>Nothing recorded yet.</p>
        ) : (
          <>
            <div class="table-wrap">
              <table class="table" aria-label="Audit entries, newest first">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Who</th>
                    <th scope="col">What</th>
                    <th scope="col">Of</th>
                    <th scope="col">Details</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((e) => (
                    <tr key={e.id} data-audit={e.action}>
                      <td>
                        <time dateTime={e.at}>{formatDateTime(e.at)}</time>
                      </td>
                      <td>
                        <code>{e.actorId}</code>
                      </td>
                      <td>{e.action}</td>
                      <td>
                        {e.entity} <code>{e.entityKey}</code>
                      </td>
                      <td>
                        <small>{detailsText(e.details)}</small>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <LoadMore list={list} />
          </>
        )
      }
    </Async>
  );
}

/** Who changed what, newest first: both audit trails, one at a time. */
export function AuditPage() {
  const [trail, setTrail] = useState<(typeof TRAILS)[number]['id']>('catalog');
  const current = TRAILS.find((t) => t.id === trail)!;
  return (
    <>
      <div class="actions" role="group" aria-label="Audit trail">
        {TRAILS.map((t) => (
          <button key={t.id} type="button" class={`btn btn-small${t.id === trail ? ' btn-primary' : ''}`} aria-pressed={t.id === trail} onClick={() => setTrail(t.id)}>
            {t.label}
          </button>
        ))}
      </div>
      <p>Changes to {current.what}.</p>
      <Trail key={current.path} path={current.path} />
    </>
  );
}
