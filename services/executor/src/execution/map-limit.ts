/**
 * Runs `fn` over `items` with at most `limit` in flight, keeping the order of results.
 *
 * On the first failure no further item starts, and the failure is thrown only once every item
 * already in flight has settled: a batch that fails (PostgreSQL away) is retried as a whole, and the
 * retry must not overlap sends of its own previous attempt that are still running.
 */
export const mapLimit = async <T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> => {
  const out = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (next < items.length && failure === null) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (e) {
        failure ??= { error: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
  return out;
};
