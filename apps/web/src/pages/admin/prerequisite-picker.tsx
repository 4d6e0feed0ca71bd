import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Page, Quest } from '../../api/types';
import { Async } from '../../components/status';
import { useAsync } from '../../lib/use-async';

const keysOf = (value: string) => value.split(',').map((k) => k.trim()).filter(Boolean);

/** Quests listed at once; the filter narrows the rest. */
const SHOWN = 50;

/** Every quest, page after page (the API gives at most 200 at a time); the filter needs them all. */
export async function allQuests(fetchPage: (query: string) => Promise<Page<Quest>>): Promise<Quest[]> {
  const out: Quest[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<Quest> = await fetchPage(`limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/**
 * The quests that must be completed first, picked by name: a filter over every quest (by name or
 * key) and a checkbox each. The form keeps the keys as it always did (comma-separated).
 */
export function PrerequisitePicker({ id, self, value, onChange, error }: { id: string; self: string | null; value: string; onChange: (keys: string) => void; error?: string | undefined }) {
  const quests = useAsync(() => allQuests((query) => api<Page<Quest>>('GET', `/admin/quests?${query}`)), []);
  const [query, setQuery] = useState('');
  const chosen = keysOf(value);
  const toggle = (key: string, on: boolean) => onChange((on ? [...chosen, key] : chosen.filter((k) => k !== key)).join(', '));
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return (
    <fieldset class={`prerequisites${error ? ' field-invalid' : ''}`} aria-describedby={error ? `${id}-error` : `${id}-hint`}>
      <legend>Prerequisites (optional)</legend>
      <small id={`${id}-hint`} class="field-hint">
        {chosen.length ? `Unlocked once the player has completed: ${chosen.join(', ')}.` : 'None: the quest is open from the start.'}
      </small>
      <input id={id} type="search" class="tz-search" aria-label="Find a prerequisite quest" placeholder="Filter by quest name or key" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
      <Async state={quests} label="Loading quests…">
        {(items) => {
          const shown = items.filter(
            (q) => q.key !== self && (chosen.includes(q.key) || words.every((w) => `${q.name} ${q.key}`.toLowerCase().includes(w))),
          );
          return (
            <div class="prerequisite-list">
              {shown.length === 0 ? <p>No quest matches.</p> : null}
              {shown.slice(0, SHOWN).map((q) => (
                <label key={q.key} class="checkbox">
                  <input type="checkbox" checked={chosen.includes(q.key)} onChange={(e) => toggle(q.key, e.currentTarget.checked)} />
                  <span>
                    {q.name} <code>{q.key}</code> <span class={`badge badge-${q.status}`}>{q.status}</span>
                  </span>
                </label>
              ))}
              {shown.length > SHOWN ? (
                <p class="field-hint" data-testid="prerequisites-more">
                  {shown.length - SHOWN} more match: type more of the name to narrow the list.
                </p>
              ) : null}
            </div>
          );
        }}
      </Async>
      {error ? (
        <p id={`${id}-error`} class="field-error" data-field-error={id}>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
