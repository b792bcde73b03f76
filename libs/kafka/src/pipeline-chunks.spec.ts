import type { OutMessage } from './out-message';
import { chunksOf } from './pipeline';

const msg = (n: number, bytes: number): OutMessage => ({ topic: 't', key: `k${n}`, value: 'x'.repeat(bytes) });

describe('chunksOf', () => {
  it('keeps order and puts at most `max` bytes in a chunk', () => {
    const out = Array.from({ length: 10 }, (_, i) => msg(i, 300));
    const chunks = chunksOf(out, 1000);
    expect(chunks.flat()).toEqual(out);
    expect(chunks.map((c) => c.length)).toEqual([2, 2, 2, 2, 2]);
  });

  it('sends a message larger than the limit alone', () => {
    expect(chunksOf([msg(1, 10), msg(2, 5000), msg(3, 10)], 1000).map((c) => c.map((m) => m.key))).toEqual([['k1'], ['k2'], ['k3']]);
  });

  it('has no chunk for no output', () => {
    expect(chunksOf([], 1000)).toEqual([]);
  });
});
