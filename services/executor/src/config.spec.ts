import { executorConfig } from './config';

describe('executor settings', () => {
  it('reads per-channel rate limits', () => {
    expect(executorConfig({ EXECUTOR_CHANNEL_RATE_LIMITS: 'email=5, sms=0.5' }).EXECUTOR_CHANNEL_RATE_LIMITS).toEqual({ email: 5, sms: 0.5 });
  });

  it('names the channels when one is unknown or malformed', () => {
    expect(() => executorConfig({ EXECUTOR_CHANNEL_RATE_LIMITS: 'fax=3' })).toThrow(
      /"fax=3" is not channel=perSecond \(channels: email, sms, push, webhook, api_call\)/,
    );
    expect(() => executorConfig({ EXECUTOR_CHANNEL_RATE_LIMITS: 'sms=fast' })).toThrow(/is not channel=perSecond/);
  });
});
