import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Reward } from '../../api/types';
import { apiFieldErrors } from '../../lib/use-form-submit';
import { Field, type FieldErrors } from '../../components/field';
import { Amount } from '../../components/icons';
import { usePagedList } from '../../components/paged-list';
import { Async, ErrorBox, Notice } from '../../components/status';

interface ItemRow {
  currency: string;
  amount: string;
}

function CreateReward({ onCreated }: { onCreated: (r: Reward) => void }) {
  const [name, setName] = useState('');
  const [items, setItems] = useState<ItemRow[]>([{ currency: 'gold', amount: '10' }]);
  const [xp, setXp] = useState('');
  const [badge, setBadge] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);

  const setItem = (i: number, patch: Partial<ItemRow>) => setItems((rows) => rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const num = (s: string) => (/^-?\d+$/.test(s.trim()) ? Number(s) : s);

  async function submit(e: Event) {
    e.preventDefault();
    setErrors({});
    setError(null);
    setBusy(true);
    const body: Record<string, unknown> = { name, items: items.map((r) => ({ currency: r.currency.trim(), amount: num(r.amount) })) };
    if (xp.trim()) body.xp = num(xp);
    if (badge.trim()) body.badge = badge.trim();
    try {
      const { reward } = await api<{ reward: Reward }>('POST', '/admin/rewards', { body });
      setName('');
      setXp('');
      setBadge('');
      setItems([{ currency: 'gold', amount: '10' }]);
      onCreated(reward);
    } catch (err) {
      // items.0.amount → the row's amount control
      const fields = apiFieldErrors(err, (f) => (/^items\.\d+\.(currency|amount)$/.test(f) ? f : (f.split('.')[0] ?? f)));
      if (fields) setErrors(fields);
      else setError(err as Error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="card" onSubmit={submit} aria-label="New reward" noValidate>
      <h2>New reward</h2>
      <Field id="reward-name" label="Name" error={errors.name}>
        {(c) => <input {...c} value={name} onInput={(e) => setName(e.currentTarget.value)} />}
      </Field>
      <fieldset>
        <legend>Items</legend>
        {errors.items ? <p class="field-error">{errors.items}</p> : null}
        {items.map((row, i) => (
          <div class="row" key={i}>
            <Field id={`reward-item-${i}-currency`} label={`Currency ${i + 1}`} error={errors[`items.${i}.currency`]}>
              {(c) => <input {...c} list="currencies" value={row.currency} onInput={(e) => setItem(i, { currency: e.currentTarget.value })} />}
            </Field>
            <Field id={`reward-item-${i}-amount`} label={`Amount ${i + 1}`} error={errors[`items.${i}.amount`]}>
              {(c) => <input {...c} type="number" min={1} value={row.amount} onInput={(e) => setItem(i, { amount: e.currentTarget.value })} />}
            </Field>
            {items.length > 1 ? (
              <button type="button" class="btn btn-small btn-ghost" onClick={() => setItems((r) => r.filter((_, j) => j !== i))} aria-label={`Remove item ${i + 1}`}>
                Remove
              </button>
            ) : null}
          </div>
        ))}
        <datalist id="currencies">
          <option value="gold" />
          <option value="diamond" />
        </datalist>
        <button type="button" class="btn btn-small" onClick={() => setItems((r) => [...r, { currency: 'diamond', amount: '1' }])}>
          Add item
        </button>
      </fieldset>
      <Field id="reward-xp" label="XP (optional)" error={errors.xp}>
        {(c) => <input {...c} type="number" min={0} value={xp} onInput={(e) => setXp(e.currentTarget.value)} />}
      </Field>
      <Field id="reward-badge" label="Badge (optional)" error={errors.badge}>
        {(c) => <input {...c} value={badge} onInput={(e) => setBadge(e.currentTarget.value)} />}
      </Field>
      {error ? <ErrorBox error={error} title="The reward was not created" /> : null}
      <button type="submit" class="btn btn-primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create reward'}
      </button>
    </form>
  );
}

export function RewardsPage() {
  const list = usePagedList<Reward>('/rewards', { limit: 100 }, []);
  const [flash, setFlash] = useState<string | null>(null);
  return (
    <div class="two-columns">
      <section aria-labelledby="rewards-title">
        <h2 id="rewards-title">All rewards</h2>
        {flash ? <Notice kind="success">{flash}</Notice> : null}
        <Async state={{ ...list.first, data: list.items }} label="Loading rewards…">
          {(items) => (
            <>
              <ul class="admin-list" aria-label="Rewards">
                {items.map((r) => (
                  <li key={r.id} class="admin-item" data-reward={r.name}>
                    <div class="admin-item-main">
                      <h3>{r.name}</h3>
                      <p class="reward-items">
                        {r.items.map((i) => (
                          <Amount key={i.currency} currency={i.currency} amount={i.amount} />
                        ))}
                        {r.xp ? <span> · {r.xp} XP</span> : null}
                        {r.badge ? <span> · badge “{r.badge}”</span> : null}
                      </p>
                    </div>
                  </li>
                ))}
              </ul>
              {list.moreError ? <ErrorBox error={list.moreError} title="Could not load more" /> : null}
              {list.hasMore ? (
                <button type="button" class="btn" disabled={list.loadingMore} onClick={() => void list.loadMore()}>
                  Load more
                </button>
              ) : null}
            </>
          )}
        </Async>
      </section>
      <CreateReward
        onCreated={(r) => {
          setFlash(`Created the reward ${r.name}.`);
          void list.first.reload(true);
        }}
      />
    </div>
  );
}
