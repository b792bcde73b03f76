import { mapLimit } from './map-limit';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapLimit', () => {
  it('keeps the order of results and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([30, 10, 20, 5, 15], 2, async (ms, i) => {
      running++;
      peak = Math.max(peak, running);
      await tick(ms);
      running--;
      return i * 10;
    });
    expect(out).toEqual([0, 10, 20, 30, 40]);
    expect(peak).toBe(2);
  });

  it('after a failure starts nothing new and throws only once the items in flight have settled', async () => {
    const started: number[] = [];
    const settled: number[] = [];
    const run = mapLimit([0, 1, 2, 3, 4, 5], 2, async (i) => {
      started.push(i);
      if (i === 1) {
        await tick(5);
        settled.push(i);
        throw new Error('database away');
      }
      await tick(i === 0 ? 40 : 1);
      settled.push(i);
      return i;
    });
    await expect(run).rejects.toThrow('database away');
    // item 0 was still running when item 1 failed: it settled before the failure was thrown
    expect(settled).toContain(0);
    expect(started).toEqual([0, 1]);
  });
});
