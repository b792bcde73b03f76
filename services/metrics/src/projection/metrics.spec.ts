import type { StepResult } from '@fixlify/contracts';
import { deliveryOf } from './project-batch';
import { DURATION_BUCKETS_MS, affectsMetrics, applyToMetrics, bucketOf, emptyMetrics, metricsKey, p95Of, periodStart, type MetricsRow } from './metrics';

const ORG = '11111111-1111-4111-8111-111111111111';
const WF = '22222222-2222-4222-8222-222222222222';
const base = (seq: number, at = '2025-03-04T10:17:42.123Z') => ({
  v: 1 as const,
  resultId: `x:${seq}`,
  executionId: '44444444-4444-4444-8444-444444444444',
  organizationId: ORG,
  workflowId: WF,
  versionId: '33333333-3333-4333-8333-333333333333',
  seq,
  at,
});
const completed = (durationMs: number, at?: string): StepResult => ({ ...base(9, at), kind: 'execution_completed', durationMs });
const failed = (durationMs: number): StepResult => ({
  ...base(9),
  kind: 'execution_failed',
  durationMs,
  error: { code: 'action_error', message: 'y', retryable: false },
});
const sent = (
  channel: 'email' | 'sms' | 'push' | 'webhook' | 'api_call',
  delivery: 'delivered' | 'suppressed' | 'deduplicated' | 'none' = 'delivered',
): StepResult => ({
  ...base(2),
  kind: 'step_succeeded',
  stepId: 's',
  stepType: 'send_email',
  attempt: 1,
  startedAt: base(2).at,
  durationMs: 5,
  output: {},
  delivery,
  channel,
});
const stepFailed = (retryAt: string | null): StepResult => ({
  ...base(3),
  kind: 'step_failed',
  stepId: 's',
  stepType: 'send_sms',
  attempt: 1,
  startedAt: base(3).at,
  durationMs: 5,
  error: { code: 'action_error', message: 'y', retryable: true },
  retryAt,
});
const others: StepResult[] = [
  { ...base(0), kind: 'execution_started', triggerType: 'manual', triggerData: {}, eventId: '55555555-5555-4555-8555-555555555555', triggeredAt: base(0).at },
  stepFailed(null),
  { ...base(4), kind: 'execution_waiting', stepId: 'd', until: base(4).at, reason: 'delay' },
  { ...base(1_000_000), kind: 'execution_cancelled', reason: 'r' },
];

const fold = (rs: StepResult[]): MetricsRow => rs.reduce((m, r) => applyToMetrics(m, r), emptyMetrics(rs[0]!, 'hour'));

describe('metrics reducer', () => {
  it('periods start at the UTC hour and day', () => {
    expect(periodStart('2025-03-04T10:17:42.123Z', 'hour')).toBe('2025-03-04T10:00:00.000Z');
    expect(periodStart('2025-03-04T10:17:42.123Z', 'day')).toBe('2025-03-04T00:00:00.000Z');
    expect(periodStart('2025-03-04T01:17:42+02:00', 'day')).toBe('2025-03-03T00:00:00.000Z');
    expect(metricsKey(WF, 'day', '2025-03-04T00:00:00.000Z')).toBe(`${WF}|day|2025-03-04T00:00:00.000Z`);
  });

  it('counts completed and failed executions with their total time and histogram', () => {
    const m = fold([completed(40.4), completed(260), failed(3_000_000)]);
    expect(m).toMatchObject({ totalExecutions: 3, successfulExecutions: 2, failedExecutions: 1, totalExecutionTimeMs: 40 + 260 + 3_000_000 });
    expect(m.durationHistogram).toEqual({ '50': 1, '500': 1, '3600000': 1 });
  });

  it('counts delivered messages per channel and suppressed ones, ignores deduplicated and non-deliveries', () => {
    const m = fold([
      sent('email'),
      sent('email'),
      sent('sms'),
      sent('push'),
      sent('webhook'),
      sent('api_call'),
      sent('sms', 'suppressed'),
      sent('email', 'deduplicated'),
      sent('email', 'none'),
    ]);
    expect(m).toMatchObject({ emailsSent: 2, smsSent: 1, pushSent: 1, webhooksSent: 1, suppressedMessages: 1, totalExecutions: 0 });
  });

  it('counts what backfilled executions did apart, inside the totals', () => {
    const m = [completed(10), failed(10), sent('sms'), sent('webhook'), sent('api_call'), sent('email', 'suppressed')].reduce(
      (acc, r) => applyToMetrics(acc, r, true),
      [completed(10), sent('email')].reduce((acc, r) => applyToMetrics(acc, r, false), emptyMetrics(completed(1), 'hour')),
    );
    expect(m).toMatchObject({ totalExecutions: 3, successfulExecutions: 2, failedExecutions: 1, emailsSent: 1, smsSent: 1, webhooksSent: 1 });
    // messages of the four counted channels only (api_call is not a message; suppressed is not delivered)
    expect(m).toMatchObject({ backfilledExecutions: 2, backfilledSuccessful: 1, backfilledFailed: 1, backfilledMessages: 2 });
    expect(fold([completed(1), sent('sms')])).toMatchObject({ backfilledExecutions: 0, backfilledMessages: 0 });
  });

  it('every other kind leaves the counters alone, and only the kinds that count affect metrics', () => {
    const start = emptyMetrics(completed(1), 'day');
    for (const r of others) {
      expect(affectsMetrics(r)).toBe(false);
      const { updatedAt: _u, ...rest } = applyToMetrics(start, r);
      const { updatedAt: _s, ...expected } = start;
      expect(rest).toEqual(expected);
    }
    expect(affectsMetrics(completed(1))).toBe(true);
    expect(affectsMetrics(failed(1))).toBe(true);
    expect(affectsMetrics(sent('sms'))).toBe(true);
    expect(affectsMetrics(sent('sms', 'suppressed'))).toBe(true);
    expect(affectsMetrics(sent('sms', 'deduplicated'))).toBe(false);
  });

  it('updatedAt is the latest result time folded in (derived from the log, never the clock)', () => {
    const m = fold([completed(1, '2025-03-04T10:20:00.000Z'), completed(1, '2025-03-04T10:10:00.000Z')]);
    expect(m.updatedAt).toBe('2025-03-04T10:20:00.000Z');
  });

  it('is pure: the input row and its histogram are not modified', () => {
    const m = fold([completed(10)]);
    const copy = structuredClone(m);
    applyToMetrics(m, completed(20));
    expect(m).toEqual(copy);
  });

  it('buckets durations by upper bound', () => {
    expect(bucketOf(0)).toBe('10');
    expect(bucketOf(10)).toBe('10');
    expect(bucketOf(11)).toBe('25');
    expect(bucketOf(86_400_000)).toBe('86400000');
    expect(bucketOf(86_400_001)).toBe('inf');
  });

  it('p95 is the upper bound of the bucket holding the 95th percentile', () => {
    expect(p95Of({})).toBe(0);
    expect(p95Of({ '100': 1 })).toBe(100);
    // 95 of 100 at or below 100 ms: p95 = 100
    expect(p95Of({ '50': 90, '100': 5, '5000': 5 })).toBe(100);
    // 94 of 100 at or below 100 ms: the 95th is in the 5000 bucket
    expect(p95Of({ '50': 90, '100': 4, '5000': 6 })).toBe(5000);
    expect(p95Of({ '10': 1, inf: 99 })).toBe(86_400_000);
    // from a fold: 19 fast executions and one slow one, p95 is the fast bucket
    const m = fold([...Array.from({ length: 19 }, () => completed(20)), completed(9000)]);
    expect(p95Of(m.durationHistogram)).toBe(25);
    expect(DURATION_BUCKETS_MS).toContain(p95Of(fold([...Array.from({ length: 5 }, () => completed(20)), completed(9000)]).durationHistogram));
  });
});

describe('deliveryOf', () => {
  it('classifies deliveries by channel and outcome', () => {
    expect(deliveryOf(sent('email'))).toEqual({ channel: 'email', outcome: 'delivered' });
    expect(deliveryOf(sent('sms', 'suppressed'))).toEqual({ channel: 'sms', outcome: 'suppressed' });
    expect(deliveryOf(sent('sms', 'none'))).toBeNull();
    expect(deliveryOf(stepFailed('2025-03-04T10:20:00.000Z'))).toEqual({ channel: 'sms', outcome: 'retrying' });
    expect(deliveryOf(stepFailed(null))).toEqual({ channel: 'sms', outcome: 'failed' });
    expect(deliveryOf(completed(1))).toBeNull();
  });
});
