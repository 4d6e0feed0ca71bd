export interface BatchLoaderOptions {
  /** Queries running at once; lookups that arrive meanwhile wait and go together in the next one. */
  maxInFlight: number;
  /** Most keys in one query. */
  maxBatch: number;
}

interface Waiting<K, V> {
  key: K;
  resolve: (value: V | undefined) => void;
  reject: (err: unknown) => void;
}

/**
 * Concurrent lookups by key as few queries: the group commit's pattern for reads. A lookup never
 * joins a query already running — it waits for the next one to start — so its answer is read after
 * it was asked for, exactly as if it had made its own query (a ban stored a moment before is seen).
 * Nothing waits on a timer: alone, a lookup is its own query at once; under load the queries carry
 * many keys by themselves. A failed query fails the lookups it carried.
 */
export function createBatchLoader<K, V>(loadMany: (keys: K[]) => Promise<Map<K, V>>, opts: BatchLoaderOptions): (key: K) => Promise<V | undefined> {
  const queue: Array<Waiting<K, V>> = [];
  let inFlight = 0;
  const pump = () => {
    while (inFlight < opts.maxInFlight && queue.length > 0) {
      const batch = queue.splice(0, opts.maxBatch);
      inFlight++;
      loadMany([...new Set(batch.map((w) => w.key))])
        .then(
          (found) => batch.forEach((w) => w.resolve(found.get(w.key))),
          (err: unknown) => batch.forEach((w) => w.reject(err)),
        )
        .finally(() => {
          inFlight--;
          pump();
        });
    }
  };
  return (key) =>
    new Promise<V | undefined>((resolve, reject) => {
      queue.push({ key, resolve, reject });
      pump();
    });
}
