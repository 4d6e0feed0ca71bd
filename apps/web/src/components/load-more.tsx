import { ErrorBox } from './status';

/** The part of usePagedList a "Load more" footer needs. */
interface More {
  hasMore: boolean;
  loadingMore: boolean;
  moreError?: Error | null;
  loadMore(): Promise<void> | void;
}

/** The footer of every paginated list: the error of the last page fetch (with retry) and the button. */
export function LoadMore({ list }: { list: More }) {
  return (
    <>
      {list.moreError ? <ErrorBox error={list.moreError} retry={() => void list.loadMore()} title="Could not load more" /> : null}
      {list.hasMore ? (
        <button type="button" class="btn" disabled={list.loadingMore} onClick={() => void list.loadMore()}>
          {list.loadingMore ? 'Loading…' : 'Load more'}
        </button>
      ) : null}
    </>
  );
}
