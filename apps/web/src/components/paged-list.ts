import { useState } from 'preact/hooks';
import { api, query } from '../api/client';
import type { Page } from '../api/types';
import { useAsync } from '../lib/use-async';

/**
 * A paginated list (`{items, nextCursor}`): the first page loads with `deps`, "Load more" appends
 * the next one; each load has its own loading and error state.
 */
export function usePagedList<T>(path: string, params: Record<string, string | number | undefined>, deps: unknown[]) {
  const [more, setMore] = useState<{ items: T[]; cursor: string | null; loading: boolean; error?: Error }>({
    items: [],
    cursor: null,
    loading: false,
  });
  const first = useAsync(async () => {
    const page = await api<Page<T>>('GET', `${path}${query(params)}`);
    setMore({ items: [], cursor: page.nextCursor, loading: false });
    return page.items;
  }, deps);

  async function loadMore() {
    if (!more.cursor) return;
    setMore((m) => ({ ...m, loading: true, error: undefined }));
    try {
      const page = await api<Page<T>>('GET', `${path}${query({ ...params, cursor: more.cursor })}`);
      setMore((m) => ({ items: [...m.items, ...page.items], cursor: page.nextCursor, loading: false }));
    } catch (err) {
      setMore((m) => ({ ...m, loading: false, error: err as Error }));
    }
  }

  const items = first.data ? [...first.data, ...more.items] : undefined;
  return { first, items, hasMore: Boolean(more.cursor), loadingMore: more.loading, moreError: more.error, loadMore };
}
