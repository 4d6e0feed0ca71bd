import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface AsyncState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  /** Loads again; `quiet` keeps the current data on screen (background refresh). */
  reload: (quiet?: boolean) => Promise<void>;
}

/** Runs a request when `deps` change and tracks its loading and error states. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: Error | undefined; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const seq = useRef(0);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const reload = useCallback(async (quiet = false) => {
    const id = ++seq.current;
    if (!quiet) setState((s) => ({ ...s, loading: true, error: undefined }));
    try {
      const data = await load();
      // Only the newest request may write: an older, slower answer must not win.
      if (mounted.current && id === seq.current) setState({ data, error: undefined, loading: false });
    } catch (err) {
      if (mounted.current && id === seq.current) setState((s) => ({ data: s.data, error: err as Error, loading: false }));
    }
  }, deps);

  useEffect(() => {
    void reload();
  }, [reload]);

  return { ...state, reload };
}

/** Calls `fn` every `ms` while the page is visible. */
export function useInterval(fn: () => void, ms: number) {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    const id = window.setInterval(() => {
      if (document.visibilityState === 'visible') saved.current();
    }, ms);
    return () => window.clearInterval(id);
  }, [ms]);
}

/** The current time, re-rendered every `ms` (for countdowns). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useInterval(() => setNow(Date.now()), ms);
  return now;
}
