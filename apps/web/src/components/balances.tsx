import { useEffect, useRef, useState } from 'preact/hooks';
import { createStore, useStore } from '../lib/store';
import { useNow } from '../lib/use-async';
import { Amount } from './icons';

/**
 * A claim is paid into the balances asynchronously (progress → auth, usually within a second).
 * To show the reward at once, the amounts a claim promised are held as a floor until /me catches
 * up, or for 15 s at most.
 */
const promised = createStore<{ floor: Record<string, number>; until: number } | null>(null);

export function promiseCredits(current: Record<string, number>, items: { currency: string; amount: number }[]) {
  const base = promised.get();
  const floor: Record<string, number> = { ...(base && base.until > Date.now() ? base.floor : {}) };
  for (const { currency, amount } of items) {
    floor[currency] = Math.max(floor[currency] ?? 0, current[currency] ?? 0) + amount;
  }
  promised.set({ floor, until: Date.now() + 15_000 });
}

export function useDisplayedBalances(balances: Record<string, number>): Record<string, number> {
  const p = useStore(promised);
  const now = useNow(1000);
  if (!p || p.until <= now) return balances;
  const out = { ...balances };
  let pending = false;
  for (const [c, min] of Object.entries(p.floor)) {
    if ((out[c] ?? 0) < min) {
      out[c] = min;
      pending = true;
    }
  }
  if (!pending) queueMicrotask(() => promised.get() === p && promised.set(null));
  return out;
}

/**
 * The currencies that just rose: each is marked for a moment (`data-rising`), which the stylesheet
 * animates (unless the system asks for reduced motion), so a payment is seen arriving.
 */
function useRising(shown: Record<string, number>): Set<string> {
  const previous = useRef<Record<string, number> | null>(null);
  const [rising, setRising] = useState<Set<string>>(new Set());
  useEffect(() => {
    const before = previous.current;
    previous.current = shown;
    if (!before) return;
    const up = Object.keys(shown).filter((c) => (shown[c] ?? 0) > (before[c] ?? 0));
    if (!up.length) return;
    setRising(new Set(up));
    const t = window.setTimeout(() => setRising(new Set()), 1200);
    return () => window.clearTimeout(t);
  }, [JSON.stringify(shown)]);
  return rising;
}

export function Balances({ balances }: { balances: Record<string, number> }) {
  const shown = useDisplayedBalances(balances);
  const rising = useRising(shown);
  // gold and diamond first, then any other currency the user holds.
  const order = ['gold', 'diamond', ...Object.keys(shown).filter((c) => c !== 'gold' && c !== 'diamond').sort()];
  return (
    <ul class="balances" aria-label="Balances" data-testid="balances">
      {order.map((c) => (
        <li key={c} data-balance={c} data-rising={rising.has(c) ? 'true' : undefined}>
          <Amount currency={c} amount={shown[c] ?? 0} />
        </li>
      ))}
    </ul>
  );
}
