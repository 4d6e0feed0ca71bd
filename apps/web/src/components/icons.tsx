/** Currency icons drawn inline (no image or font downloads). */
export function GoldIcon({ size = 20 }: { size?: number }) {
  return (
    <svg class="icon" width={size} height={size} viewBox="0 0 24 24" role="img" aria-label="gold">
      <circle cx="12" cy="12" r="10" fill="#f5c542" stroke="#b8860b" stroke-width="2" />
      <circle cx="12" cy="12" r="5.5" fill="none" stroke="#b8860b" stroke-width="1.5" />
    </svg>
  );
}

export function DiamondIcon({ size = 20 }: { size?: number }) {
  return (
    <svg class="icon" width={size} height={size} viewBox="0 0 24 24" role="img" aria-label="diamond">
      <path d="M6 3h12l4 6-10 12L2 9z" fill="#7fd3f7" stroke="#1f7fb5" stroke-width="1.5" stroke-linejoin="round" />
      <path d="M2 9h20M9 3l3 6 3-6M12 21 9 9m3 12 3-12" fill="none" stroke="#1f7fb5" stroke-width="1" />
    </svg>
  );
}

export function CurrencyIcon({ currency, size }: { currency: string; size?: number }) {
  if (currency === 'gold') return <GoldIcon size={size} />;
  if (currency === 'diamond') return <DiamondIcon size={size} />;
  return (
    <span class="icon icon-generic" role="img" aria-label={currency}>
      ◆
    </span>
  );
}

/** "10 gold" with its icon; screen readers hear the amount then the currency name. */
export function Amount({ currency, amount, signed = false }: { currency: string; amount: number; signed?: boolean }) {
  const text = signed && amount > 0 ? `+${amount}` : String(amount);
  return (
    <span class="amount" data-currency={currency}>
      <CurrencyIcon currency={currency} />
      <span class="amount-value">{text}</span>
      <span class="visually-hidden"> {currency}</span>
    </span>
  );
}

/** Decorative icons (hidden from screen readers: the text next to them says the same). */
export function FlameIcon() {
  return (
    <svg class="icon" width="16" height="16" viewBox="0 0 24 24" aria-hidden="true">
      <path d="M12 2c1 4 5 6 5 11a5 5 0 0 1-10 0c0-2 1-3.5 2-4.5 0 2 1 3 2 3-1-3 0-6.5 1-9.5z" fill="#f07b22" />
    </svg>
  );
}

export function ClockIcon() {
  return (
    <svg class="icon" width="16" height="16" viewBox="0 0 24 24" aria-hidden="true">
      <circle cx="12" cy="12" r="9" fill="none" stroke="#5b6275" stroke-width="2" />
      <path d="M12 7v5l3 2" fill="none" stroke="#5b6275" stroke-width="2" stroke-linecap="round" />
    </svg>
  );
}

export function StarIcon() {
  return (
    <svg class="icon" width="20" height="20" viewBox="0 0 24 24" aria-hidden="true">
      <path d="m12 2 3 6.5 7 .8-5.2 4.8 1.4 7L12 17.6 5.8 21l1.4-7L2 9.3l7-.8z" fill="#ffcf33" stroke="#c79a00" stroke-width="1.2" />
    </svg>
  );
}

export function LogoIcon() {
  return (
    <svg class="icon" width="22" height="22" viewBox="0 0 24 24" aria-hidden="true">
      <path d="M12 2 3 6v6c0 5 4 9 9 10 5-1 9-5 9-10V6z" fill="#fff" opacity="0.9" />
      <path d="m8 12 3 3 5-6" fill="none" stroke="#4b3fc4" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round" />
    </svg>
  );
}
