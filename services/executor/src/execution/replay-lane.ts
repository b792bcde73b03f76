/**
 * Live work first: the executor runs the replay lane (backfill starts) only while no live batch
 * is in flight. Live batches run inside `live.run`; the lane calls `idle()` before each of its
 * small chunks, so a live batch that arrives meanwhile waits for at most one lane chunk.
 */
export class LiveLoad {
  private inFlight = 0;
  private waiters: (() => void)[] = [];

  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await fn();
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const w of this.waiters.splice(0)) w();
    }
  }

  busy(): boolean {
    return this.inFlight > 0;
  }

  /**
   * Resolves once no live batch is in flight, or after `maxWaitMs` (so a lane batch's transaction
   * cannot outlive the broker's transaction timeout under constant live load; backfill then moves
   * one chunk at a time). Returns how long it waited.
   */
  async idle(maxWaitMs: number): Promise<number> {
    if (this.inFlight === 0) return 0;
    const t0 = Date.now();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      }, maxWaitMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
    });
    return Date.now() - t0;
  }
}

/** Splits a batch into chunks of at most `size`, order kept. */
export const chunksByCount = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};
