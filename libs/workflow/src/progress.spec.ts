import { continuationProgress, stepsOfProgress } from './progress';

describe('execution progress', () => {
  it('orders by steps first, then attempt', () => {
    expect(continuationProgress({ steps: 2, attempt: 3 })).toBeGreaterThan(continuationProgress({ steps: 2, attempt: 2 }));
    expect(continuationProgress({ steps: 3, attempt: 1 })).toBeGreaterThan(continuationProgress({ steps: 2, attempt: 999 }));
    expect(stepsOfProgress(continuationProgress({ steps: 7, attempt: 4 }))).toBe(7);
  });
});
