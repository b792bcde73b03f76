import { interleaveByOrg, splitByShare } from './fair-share';

type Item = { org: string; exec: string };
const items = (spec: string): Item[] => spec.split(' ').map((s) => ({ org: s[0]!, exec: s }));
const ids = (xs: Item[]) => xs.map((x) => x.exec).join(' ');

describe('splitByShare', () => {
  it('runs at most `share` items of one organization and parks the rest, keeping order', () => {
    const { run, park } = splitByShare(
      items('a1 a2 b1 a3 a4 c1 b2'),
      2,
      (i) => i.org,
      (i) => i.exec,
    );
    expect(ids(run)).toBe('a1 a2 b1 c1 b2');
    expect(ids(park)).toBe('a3 a4');
  });

  it('parks the later commands of an execution once one of them is parked', () => {
    const xs = [...items('a1 a2 a3'), { org: 'a', exec: 'a3' }, { org: 'b', exec: 'a3' }];
    const { park } = splitByShare(
      xs,
      2,
      (i) => i.org,
      (i) => i.exec,
    );
    expect(park).toHaveLength(3);
  });

  it('parks nothing under the share', () => {
    expect(
      splitByShare(
        items('a1 b1 a2'),
        5,
        (i) => i.org,
        (i) => i.exec,
      ).park,
    ).toEqual([]);
  });
});

describe('interleaveByOrg', () => {
  it('lets organizations take turns, keeping each organization’s order', () => {
    expect(ids(interleaveByOrg(items('a1 a2 a3 a4 b1 c1 c2'), (i) => i.org))).toBe('a1 b1 c1 a2 c2 a3 a4');
  });

  it('keeps a single organization as it is', () => {
    expect(ids(interleaveByOrg(items('a1 a2'), (i) => i.org))).toBe('a1 a2');
  });
});
