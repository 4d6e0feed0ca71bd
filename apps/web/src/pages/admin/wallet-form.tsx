import { useRef, useState } from 'preact/hooks';
import { api, newKey } from '../../api/client';
import { useFormSubmit } from '../../lib/use-form-submit';
import type { LedgerEntry, User } from '../../api/types';
import { Field, type FieldErrors } from '../../components/field';
import { ErrorBox } from '../../components/status';

const ROUTES = {
  grant: (id: string) => `/admin/users/${id}/grants`,
  debit: (id: string) => `/users/${id}/debits`,
};

/**
 * A manual grant or debit. The idempotency key belongs to one submission: a retry of the same
 * values (after a timeout, say) reuses it, so nothing is paid or taken twice; a new one gets a new
 * key. A debit larger than the balance is refused by the server and said at the amount.
 */
export function WalletForm({ user, kind, onDone }: { user: User; kind: 'grant' | 'debit'; onDone: (entry: LedgerEntry) => void }) {
  const [currency, setCurrency] = useState('gold');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const { errors, error, busy, run } = useFormSubmit();
  const pending = useRef<{ key: string; values: string } | null>(null);
  const id = (f: string) => `${kind}-${user.id}-${f}`;
  const verb = kind === 'grant' ? 'Grant' : 'Debit';

  function submit(e: Event) {
    e.preventDefault();
    const values = JSON.stringify([currency, amount, reason]);
    if (pending.current?.values !== values) pending.current = { key: newKey(kind), values };
    const key = pending.current.key;
    void run(
      async () => {
        const body = { currency: currency.trim(), amount: /^\d+$/.test(amount.trim()) ? Number(amount) : amount, reason, idempotencyKey: key };
        const res = await api<{ entry: LedgerEntry }>('POST', ROUTES[kind](user.id), { body });
        pending.current = null;
        setAmount('');
        setReason('');
        onDone(res.entry);
      },
      (err): FieldErrors | null =>
        err.code === 'INSUFFICIENT_FUNDS'
          ? { amount: `More than ${user.username} has: nothing was taken.` }
          : err.code === 'UNKNOWN_CURRENCY'
            ? { currency: `There is no currency “${currency.trim()}”.` }
            : null,
    );
  }

  return (
    <form class="grant-form" onSubmit={submit} aria-label={`${verb} ${kind === 'grant' ? 'to' : 'from'} ${user.username}`} noValidate>
      <Field id={id('currency')} label="Currency" error={errors.currency}>
        {(c) => <input {...c} list="wallet-currencies" value={currency} onInput={(e) => setCurrency(e.currentTarget.value)} />}
      </Field>
      <Field id={id('amount')} label="Amount" error={errors.amount}>
        {(c) => <input {...c} type="number" min={1} value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />}
      </Field>
      <Field id={id('reason')} label="Reason" error={errors.reason}>
        {(c) => <input {...c} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />}
      </Field>
      <datalist id="wallet-currencies">
        {Object.keys(user.balances).map((c) => (
          <option key={c} value={c} />
        ))}
      </datalist>
      {error ? <ErrorBox error={error} title={kind === 'grant' ? 'Not granted' : 'Not debited'} /> : null}
      <button type="submit" class={`btn btn-small ${kind === 'grant' ? 'btn-primary' : 'btn-danger'}`} disabled={busy}>
        {busy ? `${verb === 'Grant' ? 'Granting' : 'Debiting'}…` : verb}
      </button>
    </form>
  );
}
