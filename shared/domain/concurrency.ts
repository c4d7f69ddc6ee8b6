/** Bounded concurrency for work over a list: no I/O of its own, so every layer may use it. */

/** Runs `fn` over `items`, at most `limit` at once, in order of start; resolves once all have, rejects with the first failure. */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
