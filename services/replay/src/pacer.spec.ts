import { Pacer } from './pacer';

describe('Pacer', () => {
  it('lets a second of burst through, then holds to the rate', async () => {
    let t = 10_000;
    const waits: number[] = [];
    const p = new Pacer(
      100,
      () => t,
      async (ms) => {
        waits.push(ms);
        t += ms;
      },
    );
    await p.take(100); // the burst
    expect(waits).toEqual([]);
    await p.take(50); // half a second's worth
    expect(waits).toEqual([500]);
    await p.take(200);
    expect(waits).toEqual([500, 2000]);
  });

  it('does not bank more than a second while idle', async () => {
    let t = 0;
    const waits: number[] = [];
    const p = new Pacer(
      10,
      () => t,
      async (ms) => {
        waits.push(ms);
        t += ms;
      },
    );
    t += 60_000; // a minute of nothing
    await p.take(10);
    await p.take(10);
    expect(waits).toEqual([1000]);
  });

  it('a zero count or no rate never waits', async () => {
    const p = new Pacer(
      0,
      () => 0,
      async () => {
        throw new Error('must not wait');
      },
    );
    await p.take(1000);
    await new Pacer(5).take(0);
  });
});
