import { LoginThrottle } from './login-throttle';

const clock = () => {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};
const options = { accountFreeFailures: 3, addressFreeFailures: 5, baseDelayMs: 1000, maxDelayMs: 8000, forgetAfterMs: 60_000, maxConcurrent: 2 };

describe('LoginThrottle', () => {
  it('lets the first failures of an account through, then makes each further attempt wait, doubling up to the cap', () => {
    const c = clock();
    const t = new LoginThrottle(options, c.now);
    for (let i = 0; i < 2; i++) {
      expect(t.check('ann@x.test', `10.0.0.${i}`)).toEqual({ ok: true });
      t.failed('ann@x.test', `10.0.0.${i}`);
    }
    expect(t.check('ann@x.test', '10.0.0.9').ok).toBe(true);
    t.failed('ann@x.test', '10.0.0.9');
    // the third failure locks the account for 1 s, from any address, even with the right password
    expect(t.check('ann@x.test', '10.0.0.10')).toEqual({ ok: false, retryAfterMs: 1000, reason: 'account' });
    expect(t.check('bob@x.test', '10.0.0.10').ok).toBe(true);
    // refused attempts do not extend the lock
    c.advance(600);
    expect(t.check('ann@x.test', '10.0.0.10')).toMatchObject({ ok: false, retryAfterMs: 400 });
    c.advance(400);
    expect(t.check('ann@x.test', '10.0.0.10').ok).toBe(true);
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      t.failed('ann@x.test', `10.1.0.${i}`);
      const v = t.check('ann@x.test', '10.2.0.1');
      waits.push(v.ok ? 0 : v.retryAfterMs);
      c.advance(waits[i]!);
    }
    expect(waits).toEqual([2000, 4000, 8000, 8000, 8000]);
  });

  it('throttles unknown accounts exactly like known ones (the throttle never knows which exist)', () => {
    const c = clock();
    const t = new LoginThrottle(options, c.now);
    for (const account of ['known@x.test', 'nobody@x.test']) {
      for (let i = 0; i < 3; i++) t.failed(account, `10.0.${account.length}.${i}`);
      expect(t.check(account, '10.9.9.9')).toEqual({ ok: false, retryAfterMs: 1000, reason: 'account' });
    }
  });

  it('throttles one address spraying many accounts; a success clears the account only', () => {
    const c = clock();
    const t = new LoginThrottle(options, c.now);
    for (let i = 0; i < 5; i++) t.failed(`user${i}@x.test`, '192.0.2.1');
    expect(t.check('fresh@x.test', '192.0.2.1')).toEqual({ ok: false, retryAfterMs: 1000, reason: 'address' });
    expect(t.check('fresh@x.test', '192.0.2.2').ok).toBe(true);
    t.succeeded('user0@x.test');
    expect(t.check('user0@x.test', '192.0.2.1').ok).toBe(false);
    expect(t.check('user0@x.test', '192.0.2.3').ok).toBe(true);
  });

  it('forgets old failures and bounds what it remembers', () => {
    const c = clock();
    const t = new LoginThrottle({ ...options, maxKeys: 3 }, c.now);
    t.failed('a@x.test', '1');
    t.failed('a@x.test', '1');
    c.advance(60_001);
    t.failed('a@x.test', '1');
    expect(t.check('a@x.test', '2').ok).toBe(true);
    for (let i = 0; i < 10; i++) t.failed(`spray${i}@x.test`, '3');
    expect((t as unknown as { accounts: Map<string, unknown> }).accounts.size).toBe(3);
  });

  it('runs a bounded number of password checks at once', () => {
    const t = new LoginThrottle(options);
    const a = t.acquire();
    const b = t.acquire();
    expect(a && b).toBeTruthy();
    expect(t.acquire()).toBeNull();
    a!();
    a!();
    const c = t.acquire();
    expect(c).toBeTruthy();
    expect(t.acquire()).toBeNull();
  });
});
