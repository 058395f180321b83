/**
 * Runs `fn` over `items` in order, at most `limit` at a time; rejects with the first failure.
 * No item starts once `stop()` is true. Resolves with the items that never started.
 */
export async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>, stop: () => boolean = () => false): Promise<T[]> {
  let next = 0;
  const worker = async () => {
    while (!stop() && next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return items.slice(next);
}
