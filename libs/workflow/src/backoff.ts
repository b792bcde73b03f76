import { RetryPolicy } from '@fixlify/contracts';

/** The policy of an action node without its own `retry`. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = RetryPolicy.parse({});

const unit = (x: number): number => (Number.isFinite(x) ? Math.min(Math.max(x, 0), 1) : 0.5);

/**
 * Delay before the next attempt after `attempt` (1-based) failed: exponential with full jitter
 * (uniform in [0, min(max, initial·2^(attempt-1))]), so a burst of failures does not retry in lockstep.
 * A provider's Retry-After is a floor: we never come back earlier than it asked, even above maxDelayMs.
 */
export const retryDelayMs = (policy: RetryPolicy, attempt: number, random: () => number, retryAfterMs?: number): number => {
  const n = Number.isFinite(attempt) ? Math.max(1, Math.floor(attempt)) : 1;
  // Cap the exponent before exponentiating: 2^60 is already beyond any maxDelayMs.
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(n - 1, 60));
  const jittered = Math.round(unit(random()) * ceiling);
  const floor = retryAfterMs !== undefined && Number.isFinite(retryAfterMs) ? Math.max(0, Math.ceil(retryAfterMs)) : 0;
  return Math.max(jittered, floor);
};

/** Retry when the failure is retryable and the attempt that failed was not the last one allowed. */
export const shouldRetry = (error: { retryable: boolean }, attempt: number, policy: RetryPolicy): boolean => error.retryable && attempt < policy.maxAttempts;
