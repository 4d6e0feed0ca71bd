import { useState } from 'preact/hooks';
import { browserTimezone } from '../api/auth';
import { unwrap } from '@questline/sdk';
import { ApiError, call } from '../api/client';
import { userChanged } from '../api/session';
import type { User } from '../api/types';
import { Field } from '../components/field';
import { ErrorBox, Notice } from '../components/status';
import { TimezoneSelect } from '../components/timezone-select';
import { formatDateTime } from '../lib/format';

export function SettingsPage({ user }: { user: User }) {
  const [timezone, setTimezone] = useState(user.timezone);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const fieldError = error instanceof ApiError && error.field === 'timezone' ? error.message : undefined;

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setSaved(false);
    setError(null);
    try {
      const res = await call((ql) => unwrap(ql.raw.PATCH('/api/v1/me', { body: { timezone } })));
      userChanged(res.user);
      setSaved(true);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }

  const browser = browserTimezone();
  return (
    <>
      <section class="card narrow" aria-labelledby="tz-title">
        <h2 id="tz-title">Timezone</h2>
        <p>Your days (streaks, daily and weekly quests) start at midnight in this timezone.</p>
        <form onSubmit={submit} noValidate>
          <Field id="settings-timezone" label="Timezone" error={fieldError} hint={`This browser is in ${browser}.`}>
            {(c) => (
              <TimezoneSelect
                control={c}
                value={timezone}
                onChange={(tz) => {
                  setTimezone(tz);
                  setSaved(false);
                }}
              />
            )}
          </Field>
          {error && !fieldError ? <ErrorBox error={error} title="Could not save" /> : null}
          {saved ? <Notice kind="success">Timezone saved: {user.timezone}.</Notice> : null}
          <div class="actions">
            <button type="submit" class="btn btn-primary" disabled={busy}>
              {busy ? 'Saving…' : 'Save timezone'}
            </button>
            {timezone !== browser ? (
              <button type="button" class="btn btn-ghost" onClick={() => setTimezone(browser)}>
                Use this browser’s ({browser})
              </button>
            ) : null}
          </div>
        </form>
      </section>
      <section class="card narrow" aria-labelledby="account-title">
        <h2 id="account-title">Account</h2>
        <dl class="facts">
          <dt>Username</dt>
          <dd>{user.username}</dd>
          <dt>Role</dt>
          <dd>{user.role}</dd>
          <dt>Member since</dt>
          <dd>{formatDateTime(user.createdAt)}</dd>
          <dt>Last login</dt>
          <dd>{user.lastLoginAt ? formatDateTime(user.lastLoginAt) : '—'}</dd>
        </dl>
      </section>
    </>
  );
}
