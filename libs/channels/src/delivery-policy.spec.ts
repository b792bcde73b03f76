import { ChannelError } from './errors';
import { mayRetry, UNKNOWN_OUTCOME_POLICY } from './delivery-policy';

describe('UNKNOWN_OUTCOME_POLICY', () => {
  it('never resends messages to people, resends machine calls with the same key', () => {
    expect(UNKNOWN_OUTCOME_POLICY).toEqual({
      email: 'never_resend',
      sms: 'never_resend',
      push: 'never_resend',
      webhook: 'resend_same_key',
      api_call: 'resend_same_key',
    });
    expect(Object.isFrozen(UNKNOWN_OUTCOME_POLICY)).toBe(true);
  });
});

describe('mayRetry', () => {
  const timeout = new ChannelError('timeout', 't', { retryable: true, maybeDelivered: true });
  const refused = new ChannelError('network', 'n', { retryable: true, maybeDelivered: false });
  const rejected = new ChannelError('rejected', 'r', { retryable: false });
  it('retries what certainly did not leave, on every channel', () => {
    for (const ch of ['email', 'sms', 'push', 'webhook', 'api_call'] as const) expect(mayRetry(ch, refused)).toBe(true);
  });
  it('does not resend an SMS whose outcome is unknown, but does resend a webhook', () => {
    expect(mayRetry('sms', timeout)).toBe(false);
    expect(mayRetry('email', timeout)).toBe(false);
    expect(mayRetry('webhook', timeout)).toBe(true);
    expect(mayRetry('api_call', timeout)).toBe(true);
  });
  it('never retries a permanent failure', () => {
    expect(mayRetry('webhook', rejected)).toBe(false);
  });
});
