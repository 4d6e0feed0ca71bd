import { useEffect, useRef } from 'preact/hooks';
import type { Toast } from '../lib/live-events';

/** How long a toast stays unless dismissed earlier. */
export const TOAST_MS = 6000;

/**
 * News from the live stream ("Quest complete: …", "Reward: +10 gold"). The region is always in
 * the page, empty or not: screen readers announce what is added to a live region that already
 * existed, not one that appears with its text.
 */
export function ToastRegion({ toasts, onDismiss }: { toasts: Toast[]; onDismiss: (id: number) => void }) {
  return (
    <div class="toasts" role="status" aria-live="polite" data-testid="toasts">
      {toasts.map((t) => (
        <ToastItem key={t.id} toast={t} onDismiss={onDismiss} />
      ))}
    </div>
  );
}

function ToastItem({ toast, onDismiss }: { toast: Toast; onDismiss: (id: number) => void }) {
  const dismiss = useRef(onDismiss);
  dismiss.current = onDismiss;
  useEffect(() => {
    const timer = window.setTimeout(() => dismiss.current(toast.id), TOAST_MS);
    return () => window.clearTimeout(timer);
  }, [toast.id]);
  return (
    <div class={`toast toast-${toast.kind}`} data-toast={toast.kind}>
      <span class="toast-text">{toast.text}</span>
      <button type="button" class="toast-close" aria-label={`Dismiss: ${toast.text}`} onClick={() => onDismiss(toast.id)}>
        <span aria-hidden="true">×</span>
      </button>
    </div>
  );
}
