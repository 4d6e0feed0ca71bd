/**
 * Runs `work` over `items` with at most `limit` calls in flight, in order of the items; resolves
 * when all are done and rejects with the first error (the calls already started still finish).
 */
export async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        await work(items[index]!, index);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(0, Math.min(limit, items.length)) }, lane));
}

/** `eachLimited` collecting results, in the order of the items. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  await eachLimited(items, limit, async (item, i) => {
    out[i] = await work(item, i);
  });
  return out;
}
