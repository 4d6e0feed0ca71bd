import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { QuestView, User } from '../../api/types';
import { confirmAction } from '../../components/confirm-dialog';
import { changeConfirmation, type UserChange } from './user-changes';
import { Amount } from '../../components/icons';
import { Async, ErrorBox, Notice } from '../../components/status';
import { formatDateTime } from '../../lib/format';
import { useAsync } from '../../lib/use-async';
import { LedgerPage } from '../ledger-page';
import { WalletForm } from './wallet-form';

function QuestsOf({ userId }: { userId: string }) {
  const quests = useAsync(() => api<{ items: QuestView[] }>('GET', `/admin/users/${encodeURIComponent(userId)}/quests`).then((r) => r.items), [userId]);
  return (
    <Async state={quests} label="Loading quests…">
      {(items) => (
        <div class="table-wrap">
        <table class="table" aria-label="Quests">
          <thead>
            <tr>
              <th scope="col">Quest</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Completions</th>
              <th scope="col">To claim</th>
            </tr>
          </thead>
          <tbody>
            {items.map((v) => (
              <tr key={v.quest.key} data-user-quest={v.quest.key}>
                <td>{v.quest.name}</td>
                <td>
                  <span class={`badge badge-${v.status}`}>{v.status}</span>
                </td>
                <td>
                  {v.progress} / {v.target}
                </td>
                <td>{v.maxCompletions === null ? v.completions : `${v.completions} of ${v.maxCompletions}`}</td>
                <td>{v.claimable}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
    </Async>
  );
}

/** One user for an admin: who they are, their balances, quests and ledger; ban, role, grant, debit. */
export function UserPage({ userId }: { userId: string }) {
  const user = useAsync(() => api<{ user: User }>('GET', `/admin/users/${encodeURIComponent(userId)}`).then((r) => r.user), [userId]);
  const [flash, setFlash] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const [version, setVersion] = useState(0);

  async function change(u: User, body: UserChange, done: string) {
    const c = changeConfirmation(u, body);
    if (c && !(await confirmAction(c))) return;
    setBusy(true);
    setError(null);
    try {
      await api('PATCH', `/admin/users/${u.id}`, { body });
      setFlash(done);
      void user.reload(true);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }

  const afterWallet = (text: string) => {
    setFlash(text);
    setVersion((v) => v + 1);
    void user.reload(true);
  };

  return (
    <Async state={user} label="Loading the user…">
      {(u) => (
        <>
          {flash ? <Notice kind="success">{flash}</Notice> : null}
          {error ? <ErrorBox error={error} title="Not changed" /> : null}
          <section class="card" aria-labelledby="user-title" data-user-page={u.username}>
            <h2 id="user-title">
              {u.username} {u.role === 'admin' ? <span class="badge badge-admin">admin</span> : null} <span class={`badge badge-user-${u.status}`}>{u.status}</span>
            </h2>
            <p class="reward-items">
              {Object.entries(u.balances).map(([c, a]) => (
                <Amount key={c} currency={c} amount={a} />
              ))}
              <span> · {u.xp} XP</span>
              {u.badges.length ? <span> · badges: {u.badges.join(', ')}</span> : null}
            </p>
            <p>
              Timezone {u.timezone} · joined {formatDateTime(u.createdAt)} · {u.lastLoginAt ? `last login ${formatDateTime(u.lastLoginAt)}` : 'never logged in'}
              {u.externalId ? ` · external id ${u.externalId}` : ''}
            </p>
            <div class="actions">
              {u.status === 'banned' ? (
                <button type="button" class="btn btn-small" disabled={busy} onClick={() => void change(u, { status: 'active' }, `${u.username} is no longer banned.`)}>
                  Unban
                </button>
              ) : (
                <button type="button" class="btn btn-small btn-danger" disabled={busy} onClick={() => void change(u, { status: 'banned' }, `${u.username} is banned.`)}>
                  Ban
                </button>
              )}
              {u.role === 'admin' ? (
                <button type="button" class="btn btn-small" disabled={busy} onClick={() => void change(u, { role: 'player' }, `${u.username} is a player.`)}>
                  Make player
                </button>
              ) : (
                <button type="button" class="btn btn-small" disabled={busy} onClick={() => void change(u, { role: 'admin' }, `${u.username} is an admin.`)}>
                  Make admin
                </button>
              )}
            </div>
          </section>
          <div class="two-columns">
            <section class="card" aria-labelledby="grant-title">
              <h2 id="grant-title">Grant</h2>
              <WalletForm user={u} kind="grant" onDone={(e) => afterWallet(`Granted ${e.amount} ${e.currency} to ${u.username}.`)} />
            </section>
            <section class="card" aria-labelledby="debit-title">
              <h2 id="debit-title">Debit</h2>
              <WalletForm user={u} kind="debit" onDone={(e) => afterWallet(`Debited ${-e.amount} ${e.currency} from ${u.username}.`)} />
            </section>
          </div>
          <h2>Quests</h2>
          <QuestsOf key={version} userId={u.id} />
          <h2>Ledger</h2>
          <LedgerPage key={version} path={`/admin/users/${u.id}/ledger`} empty="No entries yet." />
        </>
      )}
    </Async>
  );
}
