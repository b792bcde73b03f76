import { decodeLogDirs } from './log-dirs';

/** A DescribeLogDirs v1 response body, written as the broker does. */
const response = (dirs: { error: number; path: string; topics: { name: string; sizes: number[] }[] }[]): Buffer => {
  const parts: Buffer[] = [];
  const i16 = (n: number) => parts.push(Buffer.from([(n >> 8) & 0xff, n & 0xff]));
  const i32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    parts.push(b);
  };
  const i64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(n));
    parts.push(b);
  };
  const str = (s: string) => {
    i16(Buffer.byteLength(s));
    parts.push(Buffer.from(s));
  };
  i32(0); // throttle
  i32(dirs.length);
  for (const d of dirs) {
    i16(d.error);
    str(d.path);
    i32(d.topics.length);
    for (const t of d.topics) {
      str(t.name);
      i32(t.sizes.length);
      t.sizes.forEach((size, p) => {
        i32(p);
        i64(size);
        i64(0);
        parts.push(Buffer.from([0]));
      });
    }
  }
  return Buffer.concat(parts);
};

describe('DescribeLogDirs decoding', () => {
  it('sums the partitions of each topic over every log dir, and skips a dir that reports an error', () => {
    const sizes = decodeLogDirs(
      response([
        {
          error: 0,
          path: '/data/a',
          topics: [
            { name: 'automation.events.v1', sizes: [100, 250] },
            { name: 'automation.commands.v1', sizes: [7] },
          ],
        },
        { error: 0, path: '/data/b', topics: [{ name: 'automation.events.v1', sizes: [5_000_000_000] }] },
        { error: 57, path: '/data/broken', topics: [{ name: 'automation.events.v1', sizes: [999] }] },
      ]),
    );
    expect(Object.fromEntries(sizes)).toEqual({ 'automation.events.v1': 5_000_000_350, 'automation.commands.v1': 7 });
  });

  it('reads an empty broker as no topics', () => {
    expect(decodeLogDirs(response([])).size).toBe(0);
  });
});
