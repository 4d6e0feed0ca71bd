import { useRef, useState } from 'preact/hooks';
import { confirmAction } from '../../components/confirm-dialog';
import { api, ApiError, newKey } from '../../api/client';
import type { LedgerEntry, User } from '../../api/types';
import { Field, type FieldErrors } from '../../components/field';
import { Amount } from '../../components/icons';
import { usePagedList } from '../../components/paged-list';
import { Async, ErrorBox, Notice } from '../../components/status';
import { formatDateTime } from '../../lib/format';
import { LoadMore } from '../../components/load-more';

/**
 * A manual grant. The idempotency key belongs to one submission: a retry of the same values (after
 * a timeout, say) reuses it, so the user is never paid twice; a new grant gets a new key.
 */
function GrantForm({ user, onGranted }: { user: User; onGranted: (entry: LedgerEntry) => void }) {
  const [currency, setCurrency] = useState('gold');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const pending = useRef<{ key: string; values: string } | null>(null);
  const id = (f: string) => `grant-${user.id}-${f}`;

  async function submit(e: Event) {
    e.preventDefault();
    setErrors({});
    setError(null);
    const values = JSON.stringify([currency, amount, reason]);
    if (pending.current?.values !== values) pending.current = { key: newKey('grant'), values };
    setBusy(true);
    try {
      const body = {
        currency: currency.trim(),
        amount: /^\d+$/.test(amount.trim()) ? Number(amount) : amount,
        reason,
        idempotencyKey: pending.current.key,
      };
      const res = await api<{ entry: LedgerEntry }>('POST', `/admin/users/${user.id}/grants`, { body });
      pending.current = null;
      setAmount('');
      setReason('');
      onGranted(res.entry);
    } catch (err) {
      if (err instanceof ApiError && err.field) setErrors({ [err.field.replace(/^body\.?/, '')]: err.message });
      else setError(err as Error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="grant-form" onSubmit={submit} aria-label={`Grant to ${user.username}`} noValidate>
      <Field id={id('currency')} label="Currency" error={errors.currency}>
        {(c) => <input {...c} list="grant-currencies" value={currency} onInput={(e) => setCurrency(e.currentTarget.value)} />}
      </Field>
      <Field id={id('amount')} label="Amount" error={errors.amount}>
        {(c) => <input {...c} type="number" min={1} value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />}
      </Field>
      <Field id={id('reason')} label="Reason" error={errors.reason}>
        {(c) => <input {...c} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />}
      </Field>
      {error ? <ErrorBox error={error} title="Not granted" /> : null}
      <button type="submit" class="btn btn-primary btn-small" disabled={busy}>
        {busy ? 'Granting…' : 'Grant'}
      </button>
    </form>
  );
}

function UserRow({ user, onChanged }: { user: User; onChanged: (u: User, text: string) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [granting, setGranting] = useState(false);
  const banned = user.status === 'banned';

  async function toggleBan() {
    const ban = {
      title: `Ban ${user.username}?`,
      body: `${user.username} is logged out at once and can no longer log in, refresh a session or make progress; their live stream ends. Their balances stay intact, and you can unban them later.`,
      confirmLabel: `Ban ${user.username}`,
      danger: true,
    };
    if (!banned && !(await confirmAction(ban))) return;
    setBusy(true);
    setError(null);
    try {
      const res = await api<{ user: User }>('PATCH', `/admin/users/${user.id}`, { body: { status: banned ? 'active' : 'banned' } });
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
          {user.username} {user.role === 'admin' ? <span class="badge badge-admin">admin</span> : null}{' '}
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
        <GrantForm
          user={user}
          onGranted={(entry) => {
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
      <datalist id="grant-currencies">
        <option value="gold" />
        <option value="diamond" />
      </datalist>
      <Async state={{ ...list.first, data: list.items }} label="Loading users…">
        {(items) => (
          <>
            <ul class="admin-list" aria-label="Users">
              {items.map((u) => (
                <UserRow
                  key={u.id}
                  user={u}
                  onChanged={(_u, text) => {
                    setFlash(text);
                    void list.first.reload(true);
                  }}
                />
              ))}
            </ul>
            <LoadMore list={list} />
          </>
        )}
      </Async>
    </>
  );
}
