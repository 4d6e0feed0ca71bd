import { useState } from 'preact/hooks';
import { browserTimezone, login, signup } from '../api/auth';
import { ApiError } from '../api/client';
import { BANNED_MESSAGE, clearNotice, session } from '../api/session';
import { Field, type FieldErrors } from '../components/field';
import { ErrorBox, Notice } from '../components/status';
import { Link, navigate, usePath } from '../lib/router';
import { useStore } from '../lib/store';
import { apiFieldErrors } from '../lib/use-form-submit';
import { TimezoneSelect } from '../components/timezone-select';

function fieldErrorOf(err: unknown): FieldErrors | null {
  if (err instanceof ApiError && err.status === 400) return apiFieldErrors(err);
  if (err instanceof ApiError && err.code === 'USERNAME_TAKEN') return { username: 'This username is taken.' };
  return null;
}

export function LoginPage() {
  const { params } = usePath();
  const state = useStore(session);
  const notice = state.phase === 'anonymous' ? state.notice : undefined;
  const [username, setUsername] = useState(params.get('username') ?? '');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username.trim(), password);
      navigate('/quests', { replace: true });
    } catch (err) {
      setError(err as Error);
      setBusy(false);
    }
  }

  const banned = error instanceof ApiError && error.code === 'USER_BANNED';
  const wrong = error instanceof ApiError && error.code === 'INVALID_CREDENTIALS';
  return (
    <section class="card narrow">
      {notice ? (
        <div class={`notice ${notice.kind === 'banned' ? 'notice-danger' : 'notice-info'}`} role="alert" data-testid="session-notice">
          {notice.text}
        </div>
      ) : null}
      {params.get('created') ? <Notice kind="success">Account created. Log in to start your quests.</Notice> : null}
      <form onSubmit={submit} aria-label="Log in" noValidate>
        <Field id="login-username" label="Username">
          {(c) => (
            <input
              {...c}
              name="username"
              autoComplete="username"
              required
              value={username}
              onInput={(e) => setUsername(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field id="login-password" label="Password">
          {(c) => (
            <input
              {...c}
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          )}
        </Field>
        {banned ? (
          <div class="notice notice-danger" role="alert">
            {BANNED_MESSAGE}
          </div>
        ) : wrong ? (
          <div class="notice notice-danger" role="alert">
            Wrong username or password.
          </div>
        ) : error ? (
          <ErrorBox error={error} title="Could not log in" />
        ) : null}
        <button type="submit" class="btn btn-primary" disabled={busy} onClick={() => clearNotice()}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p>
        New here? <Link href="/signup">Create an account</Link>
      </p>
    </section>
  );
}

export function SignupPage() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [timezone, setTimezone] = useState(browserTimezone());
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<Error | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setError(null);
    try {
      const user = await signup(username.trim(), password, timezone);
      navigate(`/login?created=1&username=${encodeURIComponent(user.username)}`, { replace: true });
    } catch (err) {
      const fields = fieldErrorOf(err);
      if (fields) setErrors(fields);
      else setError(err as Error);
      setBusy(false);
    }
  }

  return (
    <section class="card narrow">
      <form onSubmit={submit} aria-label="Create an account" noValidate>
        <Field id="signup-username" label="Username" error={errors.username} hint="3–32 letters, digits, _ . -">
          {(c) => (
            <input {...c} name="username" autoComplete="username" value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
          )}
        </Field>
        <Field id="signup-password" label="Password" error={errors.password} hint="At least 8 characters">
          {(c) => (
            <input
              {...c}
              name="password"
              type="password"
              autoComplete="new-password"
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field id="signup-timezone" label="Timezone" error={errors.timezone} hint="Days of streaks are counted in this timezone">
          {(c) => <TimezoneSelect control={c} value={timezone} onChange={setTimezone} />}
        </Field>
        {error ? <ErrorBox error={error} title="Could not create the account" /> : null}
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p>
        Already have an account? <Link href="/login">Log in</Link>
      </p>
    </section>
  );
}
