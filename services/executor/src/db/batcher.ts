/**
 * Group commit: calls made while a statement is in flight wait and go together in the next one,
 * so concurrent executions share round trips without anyone waiting for a timer. Idle, a call
 * runs at the end of the event loop turn (no timer); under load, statements grow with the load.
 *
 * `run` gets the pending inputs and answers one output per input, in order. If it throws, every
 * caller of that group gets the error.
 */
export class Batcher<I, O> {
  private queue: { input: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly run: (inputs: I[]) => Promise<O[]>,
    private readonly opts: { maxInFlight?: number; maxBatch?: number } = {},
  ) {}

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      // idle: wait for the end of this turn of the event loop, so a burst of callers goes in one statement
      if (!this.scheduled && this.inFlight === 0) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  private pump(): void {
    const maxInFlight = this.opts.maxInFlight ?? 1;
    const maxBatch = this.opts.maxBatch ?? 1000;
    while (this.inFlight < maxInFlight && this.queue.length > 0) {
      const group = this.queue.splice(0, maxBatch);
      this.inFlight++;
      void this.run(group.map((g) => g.input))
        .then(
          (outs) => {
            if (outs.length !== group.length) throw new Error(`batch answered ${outs.length} results for ${group.length} inputs`);
            group.forEach((g, i) => g.resolve(outs[i]!));
          },
          (e: unknown) => group.forEach((g) => g.reject(e)),
        )
        .catch((e: unknown) => group.forEach((g) => g.reject(e)))
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}
