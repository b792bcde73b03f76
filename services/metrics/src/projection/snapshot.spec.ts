import { projectionTarget } from './target';
import { snapshotSchema, uncoveredPartitions } from './snapshot';

describe('projection snapshots', () => {
  it('covers a partition while the topic still starts at or before the snapshot’s offset', () => {
    const snap = new Map([
      [0, 100n],
      [1, 50n],
    ]);
    expect(
      uncoveredPartitions(
        snap,
        new Map([
          [0, 100n],
          [1, 0n],
        ]),
      ),
    ).toEqual([]);
    expect(
      uncoveredPartitions(
        snap,
        new Map([
          [0, 101n],
          [1, 50n],
        ]),
      ),
    ).toEqual([{ partition: 0, from: 100n, low: 101n }]);
  });

  it('a partition the snapshot never saw is covered only while the topic still holds it from offset 0', () => {
    const snap = new Map([[0, 10n]]);
    expect(
      uncoveredPartitions(
        snap,
        new Map([
          [0, 0n],
          [2, 0n],
        ]),
      ),
    ).toEqual([]);
    expect(
      uncoveredPartitions(
        snap,
        new Map([
          [0, 0n],
          [2, 3n],
        ]),
      ),
    ).toEqual([{ partition: 2, from: 0n, low: 3n }]);
  });

  it('lives in a schema of its own beside the projection', () => {
    expect(snapshotSchema(projectionTarget('public'))).toBe('automation_projection_snapshot');
    expect(snapshotSchema(projectionTarget('t_check'))).toBe('t_check_snapshot');
  });
});
