import { useMemo, useState } from 'preact/hooks';
import { currentName, filterZones, groupZones, knownZones } from '../lib/timezones';
import type { ControlProps } from './field';

/**
 * A searchable timezone picker: a filter box (city, region or offset) above a select of every zone
 * the browser knows under its current IANA name, grouped by region with its UTC offset now. The
 * value given is shown under its current name too (a browser saying Asia/Calcutta means Kolkata).
 */
export function TimezoneSelect({ control, value, onChange }: { control: ControlProps; value: string; onChange: (tz: string) => void }) {
  const [query, setQuery] = useState('');
  const selected = currentName(value);
  const groups = useMemo(() => groupZones([...knownZones(), selected], new Date()), [selected]);
  const shown = filterZones(groups, query, selected);
  return (
    <div class="tz-picker">
      <input
        type="search"
        class="tz-search"
        id={`${control.id}-search`}
        aria-label="Filter by city, region or UTC offset"
        placeholder="Filter: city, region or +05:30"
        value={query}
        onInput={(e) => {
          const q = e.currentTarget.value;
          setQuery(q);
          // The first match is taken at once: typing a city is how most people pick one.
          const first = filterZones(groups, q, '')[0]?.options[0]?.zone;
          if (q.trim() && first && first !== selected) onChange(first);
        }}
      />
      <select {...control} name="timezone" value={selected} onChange={(e) => onChange(e.currentTarget.value)}>
        {shown.map((g) => (
          <optgroup key={g.region} label={g.region}>
            {g.options.map((o) => (
              <option key={o.zone} value={o.zone}>
                {o.label}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
    </div>
  );
}
