import { Batcher } from './batcher';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('Batcher', () => {
  it('runs a burst of calls as one group and answers each caller with its own result', async () => {
    const groups: number[][] = [];
    const b = new Batcher<number, number>(async (xs) => {
      groups.push(xs);
      return xs.map((x) => x * 10);
    });
    const out = await Promise.all([1, 2, 3].map((x) => b.submit(x)));
    expect(out).toEqual([10, 20, 30]);
    expect(groups).toEqual([[1, 2, 3]]);
  });

  it('gathers the calls made while a group is in flight into the next group', async () => {
    const groups: number[][] = [];
    const gate = deferred();
    const b = new Batcher<number, number>(async (xs) => {
      groups.push(xs);
      if (groups.length === 1) await gate.promise;
      return xs;
    });
    const first = b.submit(1);
    await new Promise((r) => setImmediate(r));
    const later = [b.submit(2), b.submit(3), b.submit(4)];
    gate.resolve();
    await Promise.all([first, ...later]);
    expect(groups).toEqual([[1], [2, 3, 4]]);
  });

  it('rejects every caller of a failed group and keeps working', async () => {
    let fail = true;
    const b = new Batcher<number, number>(async (xs) => {
      if (fail) throw new Error('db down');
      return xs;
    });
    await expect(Promise.all([b.submit(1), b.submit(2)])).rejects.toThrow('db down');
    fail = false;
    await expect(b.submit(3)).resolves.toBe(3);
  });

  it('splits groups at maxBatch', async () => {
    const groups: number[] = [];
    const b = new Batcher<number, number>(
      async (xs) => {
        groups.push(xs.length);
        return xs;
      },
      { maxBatch: 2, maxInFlight: 3 },
    );
    await Promise.all([1, 2, 3, 4, 5].map((x) => b.submit(x)));
    expect(groups).toEqual([2, 2, 1]);
  });
});
