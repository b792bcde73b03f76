import { mergeSeries, p95OfHistogram } from './series';

const row = (start: string, o: Partial<Parameters<typeof mergeSeries>[0][number]> = {}) => ({
  periodStart: start,
  totalExecutions: 2,
  successfulExecutions: 1,
  failedExecutions: 1,
  totalExecutionTimeMs: 300,
  emailsSent: 1,
  smsSent: 2,
  pushSent: 0,
  webhooksSent: 0,
  suppressedMessages: 0,
  backfilledExecutions: 0,
  backfilledSuccessful: 0,
  backfilledFailed: 0,
  backfilledMessages: 0,
  durationHistogram: { '100': 1, '250': 1 },
  ...o,
});

describe('metrics series', () => {
  it('merges workflows per period, weighting averages and merging histograms', () => {
    const s = mergeSeries([
      row('2030-01-01T01:00:00Z'),
      row('2030-01-01T00:00:00Z'),
      row('2030-01-01T01:00:00Z', { durationHistogram: { '5000': 2 }, totalExecutionTimeMs: 9000 }),
    ]);
    expect(s.map((p) => p.periodStart)).toEqual(['2030-01-01T00:00:00.000Z', '2030-01-01T01:00:00.000Z']);
    expect(s[1]).toMatchObject({ total: 4, successful: 2, failed: 2, successRate: 0.5, sms: 4, avgMs: 2325, p95Ms: 5000 });
  });
  it('sums backfilled executions and messages apart, beside the totals that include them', () => {
    const s = mergeSeries([
      row('2030-01-01T00:00:00Z', { backfilledExecutions: 2, backfilledSuccessful: 1, backfilledFailed: 1, backfilledMessages: 3 }),
      row('2030-01-01T00:00:00Z', { backfilledExecutions: 1, backfilledSuccessful: 1, backfilledMessages: 1 }),
      row('2030-01-01T01:00:00Z'),
    ]);
    expect(s[0]).toMatchObject({ total: 4, backfilled: { total: 3, successful: 2, failed: 1, messages: 4 } });
    expect(s[1]!.backfilled).toEqual({ total: 0, successful: 0, failed: 0, messages: 0 });
  });
  it('computes p95 from bucket bounds', () => {
    expect(p95OfHistogram({})).toBe(0);
    expect(p95OfHistogram({ '10': 95, '1000': 5 })).toBe(10);
    expect(p95OfHistogram({ '10': 90, inf: 10 })).toBe(86_400_000);
  });
});
