import type { ControlProps } from './field';

function allTimezones(): string[] {
  try {
    const list = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
    return list.length ? list : ['UTC'];
  } catch {
    return ['UTC'];
  }
}

const zones = allTimezones();

/** Every IANA zone the browser knows, with the current value kept even if it is not among them. */
export function TimezoneSelect({ control, value, onChange }: { control: ControlProps; value: string; onChange: (tz: string) => void }) {
  const options = ['UTC', ...zones.filter((z) => z !== 'UTC')];
  if (!options.includes(value)) options.unshift(value);
  return (
    <select {...control} name="timezone" value={value} onChange={(e) => onChange(e.currentTarget.value)}>
      {options.map((z) => (
        <option key={z} value={z}>
          {z.replace(/_/g, ' ')}
        </option>
      ))}
    </select>
  );
}
