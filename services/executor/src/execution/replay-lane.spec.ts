import { chunksByCount, LiveLoad } from './replay-lane';

describe('LiveLoad', () => {
  it('idle resolves at once when no live batch runs', async () => {
    expect(await new LiveLoad().idle(1000)).toBe(0);
  });

  it('idle waits for the live batch in flight to end', async () => {
    const live = new LiveLoad();
    let release: () => void = () => undefined;
    const batch = live.run(() => new Promise<void>((r) => (release = r)));
    expect(live.busy()).toBe(true);
    let idled = false;
    const waiting = live.idle(10_000).then(() => (idled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(idled).toBe(false);
    release();
    await batch;
    await waiting;
    expect(idled).toBe(true);
    expect(live.busy()).toBe(false);
  });

  it('idle gives up after its bound under constant live load', async () => {
    const live = new LiveLoad();
    const batch = live.run(() => new Promise<void>((r) => setTimeout(r, 500)));
    const waited = await live.idle(30);
    expect(waited).toBeGreaterThanOrEqual(25);
    expect(waited).toBeLessThan(400);
    await batch;
  });

  it('a failing live batch still counts as ended', async () => {
    const live = new LiveLoad();
    await expect(live.run(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(live.busy()).toBe(false);
  });
});

describe('chunksByCount', () => {
  it('keeps order and bounds size', () => {
    expect(chunksByCount([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunksByCount([], 3)).toEqual([]);
  });
});
