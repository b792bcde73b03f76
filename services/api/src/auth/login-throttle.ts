export interface LoginThrottleOptions {
  /** failures of one account (its normalised e-mail, known or not) before each further attempt waits */
  accountFreeFailures: number;
  /** failures from one client address (across accounts: password spraying) before the same */
  addressFreeFailures: number;
  /** first wait; it doubles with every further failure */
  baseDelayMs: number;
  maxDelayMs: number;
  /** a key with no failure for this long starts afresh */
  forgetAfterMs: number;
  /** password checks at once (each is a scrypt: CPU and 16 MiB) */
  maxConcurrent: number;
  /** keys remembered at most (the oldest are forgotten first) */
  maxKeys?: number;
}

interface Entry {
  failures: number;
  lastFailureAt: number;
  lockedUntil: number;
}

export type ThrottleVerdict = { ok: true } | { ok: false; retryAfterMs: number; reason: 'account' | 'address' | 'busy' };

/**
 * Sign-in throttling, in memory (per API instance). Every attempt is checked before anything is
 * looked up, so an unknown account is throttled exactly like a known one (no oracle), and a refused
 * attempt costs no password hash. After N failures each further failure locks the key for
 * base·2^k (capped); refused attempts do not extend the lock. A success clears the account's
 * failures, not the address's (a valid account must not reset a spraying address).
 */
export class LoginThrottle {
  private readonly accounts = new Map<string, Entry>();
  private readonly addresses = new Map<string, Entry>();
  private inFlight = 0;

  constructor(
    private readonly o: LoginThrottleOptions,
    private readonly now: () => number = Date.now,
  ) {}

  private live(map: Map<string, Entry>, key: string, t: number): Entry | undefined {
    const e = map.get(key);
    if (e && t - e.lastFailureAt > this.o.forgetAfterMs && e.lockedUntil <= t) {
      map.delete(key);
      return undefined;
    }
    return e;
  }

  check(account: string, address: string): ThrottleVerdict {
    const t = this.now();
    const a = this.live(this.accounts, account, t);
    const b = this.live(this.addresses, address, t);
    const wait = Math.max(a?.lockedUntil ?? 0, b?.lockedUntil ?? 0) - t;
    if (wait > 0) return { ok: false, retryAfterMs: wait, reason: (a?.lockedUntil ?? 0) - t === wait ? 'account' : 'address' };
    return { ok: true };
  }

  /** A slot for one password check, or null when as many run already (release it when done). */
  acquire(): (() => void) | null {
    if (this.inFlight >= this.o.maxConcurrent) return null;
    this.inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
    };
  }

  failed(account: string, address: string): void {
    const t = this.now();
    this.bump(this.accounts, account, this.o.accountFreeFailures, t);
    this.bump(this.addresses, address, this.o.addressFreeFailures, t);
  }

  succeeded(account: string): void {
    this.accounts.delete(account);
  }

  private bump(map: Map<string, Entry>, key: string, free: number, t: number): void {
    const e = this.live(map, key, t) ?? { failures: 0, lastFailureAt: t, lockedUntil: 0 };
    e.failures++;
    e.lastFailureAt = t;
    if (e.failures >= free) e.lockedUntil = t + Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** Math.min(30, e.failures - free));
    map.delete(key); // re-inserted: the map's order is the order of last failure, oldest first
    map.set(key, e);
    const max = this.o.maxKeys ?? 100_000;
    while (map.size > max) {
      const oldest = map.keys().next().value;
      if (oldest === undefined) break;
      map.delete(oldest);
    }
  }
}
