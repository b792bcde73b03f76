/**
 * A replay's start rate: `take(n)` resolves when n more starts fit in `perSecond` since the pacer
 * began (with one second of burst), so a replay never publishes faster than it was asked to, and a
 * pause in scanning (a slow chunk) does not bank more than a second of catch-up.
 */
export class Pacer {
  private allowanceAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.allowanceAt = now() - 1000;
  }

  async take(n: number): Promise<void> {
    if (n <= 0 || !(this.perSecond > 0)) return;
    const t = this.now();
    // never more than one second of unused allowance
    this.allowanceAt = Math.max(this.allowanceAt, t - 1000) + (n * 1000) / this.perSecond;
    const wait = this.allowanceAt - t;
    if (wait > 0) await this.sleep(wait);
  }
}
