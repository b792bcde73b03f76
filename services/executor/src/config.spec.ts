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

  it('runs both lanes by default, one of them when told, and refuses unknown or empty lanes', () => {
    expect(executorConfig({}).EXECUTOR_LANES).toEqual({ live: true, replay: true });
    expect(executorConfig({ EXECUTOR_LANES: 'replay', EXECUTOR_NICE: '10' })).toMatchObject({
      EXECUTOR_LANES: { live: false, replay: true },
      EXECUTOR_NICE: 10,
    });
    expect(executorConfig({ EXECUTOR_LANES: ' live ' }).EXECUTOR_LANES).toEqual({ live: true, replay: false });
    expect(() => executorConfig({ EXECUTOR_LANES: 'live,backfill' })).toThrow(/"backfill" is not a lane \(lanes: live, replay\)/);
    expect(() => executorConfig({ EXECUTOR_LANES: ',' })).toThrow(/name at least one lane/);
    expect(() => executorConfig({ EXECUTOR_LANES: 'replay', EXECUTOR_REPLAY_TOPIC: '' })).toThrow(/EXECUTOR_LANES=replay needs EXECUTOR_REPLAY_TOPIC/);
    expect(() => executorConfig({ EXECUTOR_NICE: '20' })).toThrow(/EXECUTOR_NICE/);
  });
});
