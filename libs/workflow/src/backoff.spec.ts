import fc from 'fast-check';
import { DEFAULT_RETRY_POLICY, retryDelayMs, shouldRetry } from './backoff';

const policy = { maxAttempts: 5, initialDelayMs: 1000, maxDelayMs: 30_000 };

describe('retryDelayMs', () => {
  it('grows exponentially at the top of the jitter range', () => {
    const top = (): number => 1;
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => retryDelayMs(policy, a, top))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it('uses full jitter', () => {
    expect(retryDelayMs(policy, 3, () => 0)).toBe(0);
    expect(retryDelayMs(policy, 3, () => 0.5)).toBe(2000);
  });

  it('never returns less than Retry-After, even above the cap', () => {
    expect(retryDelayMs(policy, 1, () => 0, 5000)).toBe(5000);
    expect(retryDelayMs(policy, 1, () => 1, 120_000)).toBe(120_000);
    expect(retryDelayMs(policy, 5, () => 1, 10)).toBe(16000);
  });

  it('tolerates odd inputs', () => {
    expect(retryDelayMs(policy, 0, () => 1)).toBe(1000);
    expect(retryDelayMs(policy, 10_000, () => 1)).toBe(30000);
    expect(retryDelayMs(policy, Number.NaN, () => 1)).toBe(1000);
    expect(retryDelayMs(policy, 2, () => 7)).toBe(2000);
    expect(retryDelayMs(policy, 2, () => Number.NaN)).toBe(1000);
    expect(retryDelayMs(policy, 2, () => 1, Number.NaN)).toBe(2000);
  });

  it('always stays within [max(0, retryAfter), max(cap, retryAfter)]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: undefined }),
        (a, r, ra) => {
          const d = retryDelayMs(policy, a, () => r, ra);
          return Number.isInteger(d) && d >= (ra ?? 0) && d <= Math.max(policy.maxDelayMs, ra ?? 0);
        },
      ),
    );
  });
});

describe('shouldRetry', () => {
  it('retries retryable errors until maxAttempts', () => {
    expect(shouldRetry({ retryable: true }, 1, policy)).toBe(true);
    expect(shouldRetry({ retryable: true }, 4, policy)).toBe(true);
    expect(shouldRetry({ retryable: true }, 5, policy)).toBe(false);
    expect(shouldRetry({ retryable: false }, 1, policy)).toBe(false);
  });

  it('has a sane default policy', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({ maxAttempts: 5, initialDelayMs: 1000, maxDelayMs: 300_000 });
  });
});
