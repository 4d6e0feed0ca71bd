import type { ComponentChildren } from 'preact';
import { ApiError } from '../api/client';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function errorText(error: Error): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return error.message;
    return error.message ? `${error.message} (${error.code})` : error.code;
  }
  return error.message || 'Something went wrong.';
}

/** A failed request: what went wrong, and a way to try again. */
export function ErrorBox({ error, retry, title = 'Something went wrong' }: { error: Error; retry?: () => void; title?: string }) {
  return (
    <div class="error-box" role="alert">
      <strong>{title}.</strong> <span>{errorText(error)}</span>
      {error instanceof ApiError && error.requestId ? <small class="request-id"> Request id: {error.requestId}</small> : null}
      {retry ? (
        <button type="button" class="btn btn-small" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** The state of a request, then its content. */
export function Async<T>({
  state,
  children,
  label,
}: {
  state: { data: T | undefined; error: Error | undefined; loading: boolean; reload: () => unknown };
  children: (data: T) => ComponentChildren;
  label?: string;
}) {
  if (state.error && state.data === undefined) return <ErrorBox error={state.error} retry={() => state.reload()} />;
  if (state.data === undefined) return <Loading label={label} />;
  return (
    <>
      {state.error ? <ErrorBox error={state.error} retry={() => state.reload()} title="Could not refresh" /> : null}
      {children(state.data)}
    </>
  );
}

export function Notice({ kind = 'info', children }: { kind?: 'info' | 'success' | 'warning'; children: ComponentChildren }) {
  return (
    <div class={`notice notice-${kind}`} role={kind === 'warning' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}
