import { useEffect, useRef } from 'preact/hooks';
import { createStore, useStore } from '../lib/store';

/** What a confirmation says: the action, and what will happen, in words. */
export interface Confirmation {
  title: string;
  body: string;
  confirmLabel: string;
  /** Destructive or hard to undo: the confirm button is red. */
  danger?: boolean;
}

interface Pending extends Confirmation {
  resolve: (ok: boolean) => void;
}

const pending = createStore<Pending | null>(null);

/**
 * Asks before an action that is hard to undo (a ban, a publish, an archive, a delete); resolves to
 * true when the admin confirms. One at a time: a second request cancels the first.
 */
export function confirmAction(c: Confirmation): Promise<boolean> {
  pending.get()?.resolve(false);
  return new Promise((resolve) => pending.set({ ...c, resolve }));
}

function settle(ok: boolean) {
  const p = pending.get();
  if (!p) return;
  pending.set(null);
  p.resolve(ok);
}

/**
 * The one confirmation dialog of the app (rendered once, in the shell): a native modal <dialog>,
 * which traps focus, closes on Escape and is announced as a dialog; focus starts on Cancel so that
 * Enter alone never confirms a destructive action.
 */
export function ConfirmHost() {
  const p = useStore(pending);
  const ref = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (p && !d.open) {
      d.showModal();
      cancel.current?.focus();
    } else if (!p && d.open) d.close();
  }, [p]);
  return (
    <dialog ref={ref} class="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-body" onClose={() => settle(false)}>
      {p ? (
        <form method="dialog" onSubmit={(e) => (e.preventDefault(), settle(true))}>
          <h2 id="confirm-title">{p.title}</h2>
          <p id="confirm-body">{p.body}</p>
          <div class="actions">
            <button type="button" class="btn" ref={cancel} onClick={() => settle(false)}>
              Cancel
            </button>
            <button type="submit" class={`btn ${p.danger ? 'btn-danger' : 'btn-primary'}`}>
              {p.confirmLabel}
            </button>
          </div>
        </form>
      ) : null}
    </dialog>
  );
}
