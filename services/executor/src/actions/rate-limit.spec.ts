import { RateLimiter } from './rate-limit';

describe('RateLimiter', () => {
  it('lets sends through under the rate and gives later ones a slot each, in order', () => {
    const rl = new RateLimiter(() => 10);
    const t = 1_000_000;
    expect(rl.admit('org/sms', 's1', t)).toEqual({ kind: 'go' });
    const w2 = rl.admit('org/sms', 's2', t);
    const w3 = rl.admit('org/sms', 's3', t);
    expect(w2).toEqual({ kind: 'wait', until: new Date(t + 100) });
    expect(w3).toEqual({ kind: 'wait', until: new Date(t + 200) });
    // a step that comes back at its slot goes without taking another slot
    expect(rl.admit('org/sms', 's2', t + 100)).toEqual({ kind: 'go' });
    expect(rl.admit('org/sms', 's4', t + 100)).toEqual({ kind: 'wait', until: new Date(t + 300) });
    // early: still waits for its slot
    expect(rl.admit('org/sms', 's3', t + 120)).toEqual({ kind: 'wait', until: new Date(t + 200) });
  });

  it('keeps organizations and channels apart, and 0 means no limit', () => {
    const rl = new RateLimiter((k) => (k.endsWith('/webhook') ? 0 : 1));
    expect(rl.admit('a/sms', 'x1', 0).kind).toBe('go');
    expect(rl.admit('b/sms', 'x2', 0).kind).toBe('go');
    expect(rl.admit('a/sms', 'x3', 0).kind).toBe('wait');
    for (let i = 0; i < 100; i++) expect(rl.admit('a/webhook', `w${i}`, 0).kind).toBe('go');
  });

  it('allows a burst before the rate applies', () => {
    const rl = new RateLimiter(() => 10, 3);
    expect([1, 2, 3, 4].map((i) => rl.admit('k', `s${i}`, 0).kind)).toEqual(['go', 'go', 'go', 'wait']);
  });
});
