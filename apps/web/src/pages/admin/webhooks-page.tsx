import { useState } from 'preact/hooks';
import { confirmAction } from '../../components/confirm-dialog';
import { SecretOnce } from '../../components/secret-once';
import { api, ApiError } from '../../api/client';
import type { Webhook, WebhookDelivery } from '../../api/types';
import { apiFieldErrors } from '../../lib/use-form-submit';
import { Field, type FieldErrors } from '../../components/field';
import { usePagedList } from '../../components/paged-list';
import { Async, ErrorBox, Notice } from '../../components/status';
import { formatDateTime } from '../../lib/format';

/** api.md v1.2: the event types an endpoint may subscribe to. */
export const WEBHOOK_EVENTS = ['quest.completed', 'quest.claimed', 'reward.granted', 'wallet.debited', 'user.created', 'user.banned', 'user.unbanned'] as const;

function CreateWebhook({ onCreated }: { onCreated: (w: Webhook, secret: string) => void }) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['quest.completed', 'reward.granted']);
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setErrors({});
    setError(null);
    if (events.length === 0) return setErrors({ events: 'Pick at least one event.' });
    setBusy(true);
    try {
      const created = await api<{ webhook: Webhook; secret: string }>('POST', '/admin/webhooks', { body: { url: url.trim(), events, ...(description.trim() ? { description: description.trim() } : {}) } });
      setUrl('');
      setDescription('');
      onCreated(created.webhook, created.secret);
    } catch (err) {
      const fields =
        err instanceof ApiError && err.code === 'WEBHOOK_URL_FORBIDDEN' ? { url: err.message } : apiFieldErrors(err, (f) => f.split('.')[0] ?? f);
      if (fields) setErrors(fields);
      else setError(err as Error);
    } finally {
      setBusy(false);
    }
  }

  const toggle = (type: string) => setEvents((xs) => (xs.includes(type) ? xs.filter((x) => x !== type) : [...xs, type]));
  return (
    <form class="card" onSubmit={submit} aria-label="New webhook" noValidate>
      <h2>New webhook</h2>
      <Field id="webhook-url" label="Receiver URL (https)" error={errors.url}>
        {(c) => <input {...c} type="url" placeholder="https://example.com/questline" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />}
      </Field>
      <fieldset aria-describedby={errors.events ? 'webhook-events-error' : undefined}>
        <legend>Events</legend>
        {errors.events ? (
          <p class="field-error" id="webhook-events-error">
            {errors.events}
          </p>
        ) : null}
        {WEBHOOK_EVENTS.map((type) => (
          <label key={type} class="checkbox">
            <input type="checkbox" checked={events.includes(type)} onChange={() => toggle(type)} /> {type}
          </label>
        ))}
      </fieldset>
      <Field id="webhook-description" label="Description (optional)" error={errors.description}>
        {(c) => <input {...c} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />}
      </Field>
      {error ? <ErrorBox error={error} title="The webhook was not created" /> : null}
      <button type="submit" class="btn btn-primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create webhook'}
      </button>
    </form>
  );
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  const [status, setStatus] = useState('');
  const [flash, setFlash] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const list = usePagedList<WebhookDelivery>(`/admin/webhooks/${webhook.id}/deliveries`, { limit: 20, status: status || undefined }, [webhook.id, status]);
  async function retry(d: WebhookDelivery) {
    setError(null);
    try {
      await api('POST', `/admin/webhooks/${webhook.id}/deliveries/${d.id}/retry`);
      setFlash(`Delivery of ${d.eventType} queued again (same webhook-id).`);
      void list.first.reload(true);
    } catch (err) {
      setError(err as Error);
    }
  }
  return (
    <section aria-label={`Deliveries of ${webhook.url}`} class="deliveries">
      <label>
        Status{' '}
        <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
          <option value="">all</option>
          <option value="pending">pending</option>
          <option value="succeeded">succeeded</option>
          <option value="failed">failed</option>
        </select>
      </label>
      {flash ? <Notice kind="success">{flash}</Notice> : null}
      {error ? <ErrorBox error={error} title="The delivery was not retried" /> : null}
      <Async state={{ ...list.first, data: list.items }} label="Loading deliveries…">
        {(items) =>
          items.length === 0 ? (
            <p>No deliveries yet.</p>
          ) : (
            <table class="table">
              <thead>
                <tr>
                  <th>Event</th>
                  <th>Status</th>
                  <th>Attempts</th>
                  <th>Response</th>
                  <th>Created</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {items.map((d) => (
                  <tr key={d.id} data-delivery={d.eventType}>
                    <td>{d.eventType}</td>
                    <td>{d.status}</td>
                    <td>{d.attempts}</td>
                    <td>{d.lastStatusCode ?? d.lastError ?? '—'}</td>
                    <td>{formatDateTime(d.createdAt)}</td>
                    <td>
                      {d.status !== 'pending' || d.attempts > 0 ? (
                        <button type="button" class="btn btn-small" onClick={() => void retry(d)}>
                          Retry
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Async>
      {list.hasMore ? (
        <button type="button" class="btn" disabled={list.loadingMore} onClick={() => void list.loadMore()}>
          Load more
        </button>
      ) : null}
    </section>
  );
}

function WebhookItem({ webhook, onChanged }: { webhook: Webhook; onChanged: (message: string, secret?: string) => void }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);

  async function act(run: () => Promise<string>) {
    setError(null);
    setBusy(true);
    try {
      onChanged(await run());
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }
  const base = `/admin/webhooks/${webhook.id}`;
  return (
    <li class="admin-item" data-webhook={webhook.url}>
      <div class="admin-item-main">
        <h3>{webhook.url}</h3>
        <p>
          {webhook.enabled ? 'enabled' : `disabled${webhook.disabledReason ? `: ${webhook.disabledReason}` : ''}`} · {webhook.events.join(', ')}
          {webhook.description ? ` · ${webhook.description}` : ''}
        </p>
        {error ? <ErrorBox error={error} title="That did not work" /> : null}
        <div class="row">
          <button
            type="button"
            class="btn btn-small"
            disabled={busy}
            onClick={() =>
              void act(async () => {
                const r = await api<{ statusCode?: number; durationMs: number; error?: string }>('POST', `${base}/test`);
                return r.error ? `Test message failed: ${r.error}.` : `Test message answered ${r.statusCode} in ${r.durationMs} ms.`;
              })
            }
          >
            Send test
          </button>
          <button
            type="button"
            class="btn btn-small"
            disabled={busy}
            onClick={() =>
              void act(async () => {
                await api('PATCH', base, { body: { enabled: !webhook.enabled } });
                return `${webhook.enabled ? 'Disabled' : 'Enabled'} ${webhook.url}.`;
              })
            }
          >
            {webhook.enabled ? 'Disable' : 'Enable'}
          </button>
          <button
            type="button"
            class="btn btn-small"
            disabled={busy}
            onClick={async () => {
              const ok = await confirmAction({
                title: 'Rotate the signing secret?',
                body: `A new secret is shown once. For 24 hours messages to ${webhook.url} are signed by both the old and the new secret, so the receiver can switch without losing any.`,
                confirmLabel: 'Rotate secret',
              });
              if (!ok) return;
              setBusy(true);
              api<{ secret: string }>('POST', `${base}/rotate-secret`)
                .then((r) => onChanged(`Rotated the secret of ${webhook.url}.`, r.secret), (err: Error) => setError(err))
                .finally(() => setBusy(false));
            }}
          >
            Rotate secret
          </button>
          <button
            type="button"
            class="btn btn-small btn-danger"
            disabled={busy}
            onClick={async () => {
              const ok = await confirmAction({
                title: 'Delete this webhook?',
                body: `Nothing more is sent to ${webhook.url}, including deliveries still waiting for a retry. Its delivery log goes with it.`,
                confirmLabel: 'Delete webhook',
                danger: true,
              });
              if (!ok) return;
              void act(async () => {
                await api('DELETE', base);
                return `Deleted ${webhook.url}.`;
              });
            }}
          >
            Delete
          </button>
          <button type="button" class="btn btn-small btn-ghost" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? 'Hide deliveries' : 'Deliveries'}
          </button>
        </div>
        {open ? <Deliveries webhook={webhook} /> : null}
      </div>
    </li>
  );
}

export function WebhooksPage() {
  const list = usePagedList<Webhook>('/admin/webhooks', { limit: 100 }, []);
  const [flash, setFlash] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const changed = (message: string, newSecret?: string) => {
    setFlash(message);
    setSecret(newSecret ?? null);
    void list.first.reload(true);
  };
  return (
    <div class="two-columns">
      <section aria-labelledby="webhooks-title">
        <h2 id="webhooks-title">Endpoints</h2>
        {secret ? <SecretOnce secret={secret} what="signing secret" where="with the receiver" onDone={() => setSecret(null)} /> : null}
        {flash ? <Notice kind="success">{flash}</Notice> : null}
        <Async state={{ ...list.first, data: list.items }} label="Loading webhooks…">
          {(items) =>
            items.length === 0 ? (
              <p>No webhooks yet. Create one to have Questline tell your backend when quests complete and rewards are paid.</p>
            ) : (
              <ul class="admin-list" aria-label="Webhooks">
                {items.map((w) => (
                  <WebhookItem key={w.id} webhook={w} onChanged={changed} />
                ))}
              </ul>
            )
          }
        </Async>
      </section>
      <CreateWebhook onCreated={(w, s) => changed(`Created the webhook ${w.url}.`, s)} />
    </div>
  );
}
