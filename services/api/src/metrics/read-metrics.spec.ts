import { MetricsQuery, MetricsSummary } from '@fixlify/contracts';
import { metricsRange, summarizeMetrics } from './read-metrics';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const row = (workflowId: string, periodStart: string, total: number, successful: number, failed: number, timeMs: number) => ({
  workflowId,
  workflowName: workflowId === A ? 'Alpha' : null,
  periodStart,
  totalExecutions: total,
  successfulExecutions: successful,
  failedExecutions: failed,
  totalExecutionTimeMs: String(timeMs),
  emailsSent: 1,
  smsSent: 0,
  pushSent: 0,
  webhooksSent: 0,
  suppressedMessages: 0,
  // the first period of A was a backfill's, in part
  backfilledExecutions: workflowId === A && periodStart.endsWith('01:00:00Z') ? 2 : 0,
  backfilledSuccessful: workflowId === A && periodStart.endsWith('01:00:00Z') ? 1 : 0,
  backfilledFailed: workflowId === A && periodStart.endsWith('01:00:00Z') ? 1 : 0,
  backfilledMessages: workflowId === A && periodStart.endsWith('01:00:00Z') ? 1 : 0,
  durationHistogram: { '100': successful + failed },
});

describe('metricsRange', () => {
  const now = new Date('2030-01-10T12:00:00Z');
  it('defaults to the last 24 hours by hour and the last 30 days by day, up to now', () => {
    expect(metricsRange(MetricsQuery.parse({}), now)).toEqual([new Date('2030-01-09T12:00:00Z'), now]);
    expect(metricsRange(MetricsQuery.parse({ period: 'day' }), now)).toEqual([new Date('2029-12-11T12:00:00Z'), now]);
  });
  it('counts back from the given end when only the end is given', () => {
    expect(metricsRange(MetricsQuery.parse({ to: '2030-01-05T00:00:00Z' }), now)).toEqual([new Date('2030-01-04T00:00:00Z'), new Date('2030-01-05T00:00:00Z')]);
  });
});

describe('summarizeMetrics', () => {
  const from = new Date('2030-01-01T00:00:00Z');
  it('adds up every period, overall and per workflow, as of the start of the range', () => {
    const rows = [row(A, '2030-01-01T01:00:00Z', 3, 2, 1, 300), row(A, '2030-01-01T02:00:00Z', 1, 1, 0, 100), row(B, '2030-01-01T01:00:00Z', 2, 2, 0, 40)];
    const s = summarizeMetrics(rows, from);
    const summary = { from: from.toISOString(), to: from.toISOString(), ...s };
    expect(MetricsSummary.parse(summary)).toEqual(summary);
    expect(s.totals).toMatchObject({ periodStart: '2030-01-01T00:00:00.000Z', total: 6, successful: 5, failed: 1, successRate: 5 / 6, avgMs: 73, emails: 3 });
    expect(s.totals?.backfilled).toEqual({ total: 2, successful: 1, failed: 1, messages: 1 });
    expect(s.workflows).toEqual([
      expect.objectContaining({
        workflowId: A,
        name: 'Alpha',
        total: 4,
        successful: 3,
        avgMs: 100,
        backfilled: { total: 2, successful: 1, failed: 1, messages: 1 },
      }),
      expect.objectContaining({ workflowId: B, name: null, total: 2, successRate: 1, backfilled: { total: 0, successful: 0, failed: 0, messages: 0 } }),
    ]);
  });
  it('has no totals and no workflows for a range without executions', () => {
    expect(summarizeMetrics([], from)).toEqual({ totals: null, workflows: [] });
  });
});
