import { AdminList } from '../../components/admin-list';
import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { useFormSubmit } from '../../lib/use-form-submit';
import type { ApiKey } from '../../api/types';
import { confirmAction } from '../../components/confirm-dialog';
import { Field } from '../../components/field';
import { usePagedList } from '../../components/paged-list';
import { SecretOnce } from '../../components/secret-once';
import { ErrorBox, Notice } from '../../components/status';
import { formatDateTime } from '../../lib/format';

/** api.md v1.1's scopes, each with what it lets a product's server do. */
export const SCOPES: ReadonlyArray<readonly [string, string]> = [
  ['events:write', 'send events for any user'],
  ['users:write', 'create and update users by external id, mint player sessions, debit wallets'],
  ['users:read', 'read users, their quests and ledgers'],
  ['catalog:write', 'quests, rewards, currencies and event types'],
  ['webhooks:write', 'webhooks and their deliveries'],
];

function CreateKey({ onCreated }: { onCreated: (key: ApiKey, secret: string) => void }) {
  const [name, setName] = useState('');
  // None ticked: a key gets only what it is given (least privilege).
  const [scopes, setScopes] = useState<string[]>([]);
  const { errors, setErrors, error, busy, run } = useFormSubmit();

  function submit(e: Event) {
    e.preventDefault();
    if (scopes.length === 0) {
      setErrors({ scopes: 'Pick at least one scope: a key without any can do nothing.' });
      return;
    }
    void run(async () => {
      const created = await api<{ apiKey: ApiKey; secret: string }>('POST', '/admin/api-keys', { body: { name: name.trim(), scopes } });
      setName('');
      setScopes([]);
      onCreated(created.apiKey, created.secret);
    });
  }

  return (
    <form class="card" onSubmit={submit} aria-label="New API key" noValidate>
      <h2>New API key</h2>
      <Field id="key-name" label="Name" error={errors.name} hint="Who uses it, to recognise it later (shop backend, game server).">
        {(c) => <input {...c} value={name} onInput={(e) => setName(e.currentTarget.value)} />}
      </Field>
      <fieldset aria-describedby={errors.scopes ? 'key-scopes-error' : undefined}>
        <legend>Scopes</legend>
        {SCOPES.map(([scope, what]) => (
          <label key={scope} class="checkbox">
            <input
              type="checkbox"
              name="scopes"
              value={scope}
              checked={scopes.includes(scope)}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                setScopes((s) => (on ? [...s, scope] : s.filter((x) => x !== scope)));
              }}
            />
            <span>
              <code>{scope}</code>: {what}
            </span>
          </label>
        ))}
        {errors.scopes ? (
          <p id="key-scopes-error" class="field-error" data-field-error="key-scopes">
            {errors.scopes}
          </p>
        ) : null}
      </fieldset>
      {error ? <ErrorBox error={error} title="The key was not created" /> : null}
      <button type="submit" class="btn btn-primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create key'}
      </button>
    </form>
  );
}

function KeyItem({ apiKey, onRevoked }: { apiKey: ApiKey; onRevoked: (text: string) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  async function revoke() {
    const ok = await confirmAction({
      title: `Revoke the key “${apiKey.name}”?`,
      body: `Every request made with qlk_${apiKey.prefix}_… is refused within 5 seconds, on every gateway. This cannot be undone: the server using it needs a new key.`,
      confirmLabel: 'Revoke key',
      danger: true,
    });
    if (!ok) return;
    setBusy(true);
    setError(null);
    try {
      await api('DELETE', `/admin/api-keys/${apiKey.id}`);
      onRevoked(`Revoked the key ${apiKey.name}.`);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }
  return (
    <li class="admin-item" data-api-key={apiKey.name}>
      <div class="admin-item-main">
        <h3>
          {apiKey.name} <code>qlk_{apiKey.prefix}_…</code> {apiKey.revokedAt ? <span class="badge badge-archived">revoked</span> : null}
        </h3>
        <p>{apiKey.scopes.map((s) => <code key={s} class="scope">{s}</code>)}</p>
        <p>
          Created {formatDateTime(apiKey.createdAt)} · {apiKey.lastUsedAt ? `last used ${formatDateTime(apiKey.lastUsedAt)}` : 'never used'}
          {apiKey.revokedAt ? ` · revoked ${formatDateTime(apiKey.revokedAt)}` : ''}
        </p>
      </div>
      {apiKey.revokedAt ? null : (
        <div class="actions">
          <button type="button" class="btn btn-small btn-danger" disabled={busy} aria-label={`Revoke ${apiKey.name}`} onClick={() => void revoke()}>
            Revoke
          </button>
        </div>
      )}
      {error ? <ErrorBox error={error} title="The key was not revoked" /> : null}
    </li>
  );
}

/** API keys (api.md v1.1): a product's server credentials; the secret is shown once, at creation. */
export function ApiKeysPage() {
  const list = usePagedList<ApiKey>('/admin/api-keys', { limit: 100 }, []);
  const [flash, setFlash] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  return (
    <div class="two-columns">
      <section aria-labelledby="keys-title">
        <h2 id="keys-title">API keys</h2>
        {secret ? <SecretOnce secret={secret} what="API key" where="in your server's secret store" onDone={() => setSecret(null)} /> : null}
        {flash ? <Notice kind="success">{flash}</Notice> : null}
        <AdminList
          list={list}
          label="API keys"
          loading="Loading API keys…"
          empty="No keys yet. A product's server uses one to send events, manage its users and mint player sessions."
          row={(k) => (
            <KeyItem
              key={k.id}
              apiKey={k}
              onRevoked={(text) => {
                setFlash(text);
                void list.first.reload(true);
              }}
            />
          )}
        />
      </section>
      <CreateKey
        onCreated={(k, s) => {
          setSecret(s);
          setFlash(`Created the key ${k.name}.`);
          void list.first.reload(true);
        }}
      />
    </div>
  );
}
