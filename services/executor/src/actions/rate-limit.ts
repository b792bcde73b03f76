export type Admission = { kind: 'go' } | { kind: 'wait'; until: Date };

/**
 * Per-key send rate (key = organization + channel), in one executor instance: a generic cell
 * rate algorithm with reservations. A send over the rate gets a slot in the future and waits for
 * it (the caller parks the step in a durable timer); when the same step comes back at its slot it
 * goes without taking another one, so waiting steps leave in order, `perSecond` at a time.
 */
export class RateLimiter {
  private readonly next = new Map<string, number>();
  private readonly reserved = new Map<string, number>();
  private lastSweep = 0;

  constructor(
    private readonly perSecond: (key: string) => number,
    /** sends allowed at once before the rate applies */
    private readonly burst = 1,
  ) {}

  admit(key: string, stepKey: string, nowMs: number): Admission {
    const rate = this.perSecond(key);
    if (!(rate > 0)) return { kind: 'go' };
    this.sweep(nowMs);
    const slot = this.reserved.get(stepKey);
    // a little early is fine: timers fire on a poll interval
    if (slot !== undefined && slot <= nowMs + 50) {
      this.reserved.delete(stepKey);
      return { kind: 'go' };
    }
    if (slot !== undefined) return { kind: 'wait', until: new Date(slot) };
    const interval = 1000 / rate;
    const tolerance = interval * Math.max(0, this.burst - 1);
    const next = Math.max(this.next.get(key) ?? nowMs, nowMs);
    if (next - nowMs <= tolerance) {
      this.next.set(key, next + interval);
      return { kind: 'go' };
    }
    this.next.set(key, next + interval);
    this.reserved.set(stepKey, next - tolerance);
    return { kind: 'wait', until: new Date(next - tolerance) };
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweep < 10_000) return;
    this.lastSweep = nowMs;
    // a reservation whose step never came back (another instance ran it) is forgotten after a minute
    for (const [k, at] of this.reserved) if (at < nowMs - 60_000) this.reserved.delete(k);
    for (const [k, at] of this.next) if (at < nowMs - 60_000) this.next.delete(k);
  }
}
