import type { ComponentChildren } from 'preact';
import { Async } from './status';
import { LoadMore } from './load-more';
import type { usePagedList } from './paged-list';

/**
 * A paged admin list as every admin page shows one: its loading and error state, a sentence when it
 * is empty, the items (`row` renders one `<li>`), and "Load more".
 */
export function AdminList<T>({
  list,
  label,
  loading,
  empty,
  row,
}: {
  list: ReturnType<typeof usePagedList<T>>;
  label: string;
  loading: string;
  empty: ComponentChildren;
  row: (item: T) => ComponentChildren;
}) {
  return (
    <Async state={{ ...list.first, data: list.items }} label={loading}>
      {(items) =>
        items.length === 0 ? (
          <p>{empty}</p>
        ) : (
          <>
            <ul class="admin-list" aria-label={label}>
              {items.map(row)}
            </ul>
            <LoadMore list={list} />
          </>
        )
      }
    </Async>
  );
}
