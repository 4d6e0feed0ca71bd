import { useState } from 'preact/hooks';

/**
 * A secret the server shows only once (a webhook's signing secret, an API key): the admin copies it
 * now, and the page says so plainly.
 */
export function SecretOnce({ secret, what, where, onDone }: { secret: string; what: string; where: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div class="notice notice-success" role="status" aria-label={what.charAt(0).toUpperCase() + what.slice(1)}>
      <p>
        This is the {what}. It is shown <strong>only now</strong>: store it {where}.
      </p>
      <p class="secret-row">
        <code data-secret>{secret}</code>
        <button
          type="button"
          class="btn btn-small"
          onClick={() => void navigator.clipboard?.writeText(secret).then(() => setCopied(true), () => setCopied(false))}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" class="btn btn-small btn-ghost" onClick={onDone}>
          Done
        </button>
      </p>
    </div>
  );
}
