import { AdminList } from '../../components/admin-list';
import { useState } from 'preact/hooks';
import { confirmAction } from '../../components/confirm-dialog';
import { changeConfirmation } from './user-changes';
import { api } from '../../api/client';
import { Link } from '../../lib/router';
import { WalletForm } from './wallet-form';
import type { User } from '../../api/types';
import { Amount } from '../../components/icons';
import { usePagedList } from '../../components/paged-list';
import { ErrorBox, Notice } from '../../components/status';
import { formatDateTime } from '../../lib/format';

function UserRow({ user, onChanged }: { user: User; onChanged: (u: User, text: string) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [granting, setGranting] = useState(false);
  const banned = user.status === 'banned';

  async function toggleBan() {
    const change = { status: banned ? 'active' : 'banned' } as const;
    const confirmation = changeConfirmation(user, change);
    if (confirmation && !(await confirmAction(confirmation))) return;
    setBusy(true);
    setError(null);
    try {
      const res = await api<{ user: User }>('PATCH', `/admin/users/${user.id}`, { body: change });
      onChanged(res.user, `${res.user.username} is ${res.user.status === 'banned' ? 'banned' : 'no longer banned'}.`);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <li class="admin-item" data-user={user.username}>
      <div class="admin-item-main">
        <h3>
          <Link href={`/admin/users/${user.id}`}>{user.username}</Link> {user.role === 'admin' ? <span class="badge badge-admin">admin</span> : null}{' '}
          <span class={`badge badge-user-${user.status}`}>{user.status}</span>
        </h3>
        <p class="reward-items">
          {Object.entries(user.balances).map(([c, a]) => (
            <Amount key={c} currency={c} amount={a} />
          ))}
          <span> · {user.xp} XP · {user.timezone}</span>
        </p>
        <small>Joined {formatDateTime(user.createdAt)}</small>
      </div>
      <div class="actions">
        <button
          type="button"
          class={`btn btn-small ${banned ? '' : 'btn-danger'}`}
          disabled={busy}
          aria-label={`${banned ? 'Unban' : 'Ban'} ${user.username}`}
          onClick={() => void toggleBan()}
        >
          {busy ? '…' : banned ? 'Unban' : 'Ban'}
        </button>
        <button type="button" class="btn btn-small" aria-expanded={granting} aria-label={`Grant to ${user.username}`} onClick={() => setGranting((g) => !g)}>
          Grant…
        </button>
      </div>
      {error ? <ErrorBox error={error} title="Action failed" /> : null}
      {granting ? (
        <WalletForm
          user={user}
          kind="grant"
          onDone={(entry) => {
            setGranting(false);
            onChanged(user, `Granted ${entry.amount} ${entry.currency} to ${user.username}.`);
          }}
        />
      ) : null}
    </li>
  );
}

export function UsersPage() {
  const list = usePagedList<User>('/admin/users', { limit: 50 }, []);
  const [flash, setFlash] = useState<string | null>(null);
  return (
    <>
      {flash ? <Notice kind="success">{flash}</Notice> : null}
      <AdminList
        list={list}
        label="Users"
        loading="Loading users…"
        empty="No users yet."
        row={(u) => (
          <UserRow
            key={u.id}
            user={u}
            onChanged={(_u, text) => {
              setFlash(text);
              void list.first.reload(true);
            }}
          />
        )}
      />
    </>
  );
}
