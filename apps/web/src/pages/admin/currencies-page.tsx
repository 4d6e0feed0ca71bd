import { AdminList } from '../../components/admin-list';
import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { useFormSubmit } from '../../lib/use-form-submit';
import type { Currency } from '../../api/types';
import { Field } from '../../components/field';
import { usePagedList } from '../../components/paged-list';
import { ErrorBox, Notice } from '../../components/status';
import { formatDateTime } from '../../lib/format';

function CreateCurrency({ onCreated }: { onCreated: (c: Currency) => void }) {
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const { errors, error, busy, run } = useFormSubmit();

  function submit(e: Event) {
    e.preventDefault();
    void run(
      async () => {
        const { currency } = await api<{ currency: Currency }>('POST', '/admin/currencies', { body: { code: code.trim(), name: name.trim() } });
        setCode('');
        setName('');
        onCreated(currency);
      },
      (err) => (err.code === 'CURRENCY_EXISTS' ? { code: `There is already a currency “${code.trim()}”.` } : null),
    );
  }

  return (
    <form class="card" onSubmit={submit} aria-label="New currency" noValidate>
      <h2>New currency</h2>
      <Field id="currency-code" label="Code" error={errors.code} hint="Lower-case letters, digits, - and _, starting with a letter (ruby, event-token). It cannot be changed later.">
        {(c) => <input {...c} value={code} autoComplete="off" onInput={(e) => setCode(e.currentTarget.value)} />}
      </Field>
      <Field id="currency-name" label="Name" error={errors.name} hint="What players read (Rubies).">
        {(c) => <input {...c} value={name} onInput={(e) => setName(e.currentTarget.value)} />}
      </Field>
      {error ? <ErrorBox error={error} title="The currency was not created" /> : null}
      <button type="submit" class="btn btn-primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create currency'}
      </button>
    </form>
  );
}

/** Currencies (api.md: `GET /currencies`, `POST /admin/currencies`): what rewards, grants and debits count in. */
export function CurrenciesPage() {
  const list = usePagedList<Currency>('/currencies', { limit: 100 }, []);
  const [flash, setFlash] = useState<string | null>(null);
  return (
    <div class="two-columns">
      <section aria-labelledby="currencies-title">
        <h2 id="currencies-title">All currencies</h2>
        {flash ? <Notice kind="success">{flash}</Notice> : null}
        <AdminList
          list={list}
          label="Currencies"
          loading="Loading currencies…"
          empty="No currencies yet."
          row={(c) => (
            <li key={c.code} class="admin-item" data-currency={c.code}>
              <div class="admin-item-main">
                <h3>
                  {c.name} <code>{c.code}</code>
                </h3>
                <p>Created {formatDateTime(c.createdAt)}</p>
              </div>
            </li>
          )}
        />
      </section>
      <CreateCurrency
        onCreated={(c) => {
          setFlash(`Created the currency ${c.name} (${c.code}).`);
          void list.first.reload(true);
        }}
      />
    </div>
  );
}
