import type { StepResult } from '@fixlify/contracts';

export type Period = 'hour' | 'day';

export interface MetricsRow {
  workflowId: string;
  organizationId: string;
  period: Period;
  periodStart: string;
  totalExecutions: number;
  successfulExecutions: number;
  failedExecutions: number;
  totalExecutionTimeMs: number;
  emailsSent: number;
  smsSent: number;
  pushSent: number;
  webhooksSent: number;
  suppressedMessages: number;
  /**
   * Of the above, what executions started by a replay (backfill) did: finished, successful, failed,
   * and messages delivered (the four channels counted above). Part of the totals, so live = total − backfilled.
   */
  backfilledExecutions: number;
  backfilledSuccessful: number;
  backfilledFailed: number;
  backfilledMessages: number;
  /** bucket upper bound (ms, or "inf") → executions */
  durationHistogram: Record<string, number>;
  /** time of the latest result folded in (derived from the log, so a rebuild reproduces it) */
  updatedAt: string;
}

export const DURATION_BUCKETS_MS = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000, 3_600_000, 86_400_000] as const;

export const bucketOf = (ms: number): string => String(DURATION_BUCKETS_MS.find((b) => ms <= b) ?? 'inf');

/** p95 from the histogram: the upper bound of the bucket holding the 95th percentile. */
export const p95Of = (h: Record<string, number>): number => {
  const total = Object.values(h).reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  let seen = 0;
  for (const b of [...DURATION_BUCKETS_MS.map(String), 'inf']) {
    seen += h[b] ?? 0;
    if (seen >= 0.95 * total) return b === 'inf' ? 86_400_000 : Number(b);
  }
  return 0;
};

const isUtcIso = (at: string): boolean => at.length === 24 && at.charCodeAt(23) === 90 /* Z */ && at.charCodeAt(10) === 84; /* T */

export const periodStart = (at: string, period: Period): string => {
  // the executor writes canonical UTC times (toISOString): cut the string instead of building a Date
  if (isUtcIso(at)) return period === 'hour' ? `${at.slice(0, 13)}:00:00.000Z` : `${at.slice(0, 10)}T00:00:00.000Z`;
  const d = new Date(at);
  if (period === 'hour') d.setUTCMinutes(0, 0, 0);
  else d.setUTCHours(0, 0, 0, 0);
  return d.toISOString();
};

export const metricsKey = (workflowId: string, period: Period, start: string): string => `${workflowId}|${period}|${start}`;

export const emptyMetrics = (r: StepResult, period: Period): MetricsRow => ({
  workflowId: r.workflowId,
  organizationId: r.organizationId,
  period,
  periodStart: periodStart(r.at, period),
  totalExecutions: 0,
  successfulExecutions: 0,
  failedExecutions: 0,
  totalExecutionTimeMs: 0,
  emailsSent: 0,
  smsSent: 0,
  pushSent: 0,
  webhooksSent: 0,
  suppressedMessages: 0,
  backfilledExecutions: 0,
  backfilledSuccessful: 0,
  backfilledFailed: 0,
  backfilledMessages: 0,
  durationHistogram: {},
  updatedAt: r.at,
});

/** Whether a step result moves the per-period metrics at all. */
export const affectsMetrics = (r: StepResult): boolean =>
  r.kind === 'execution_completed' ||
  r.kind === 'execution_failed' ||
  (r.kind === 'step_succeeded' && (r.delivery === 'delivered' || r.delivery === 'suppressed'));

/** The later of two ISO times (string comparison when both are canonical UTC, which is the usual case). */
export const laterIso = (a: string, b: string): string => ((isUtcIso(a) && isUtcIso(b) ? a > b : Date.parse(a) > Date.parse(b)) ? a : b);

/**
 * Folds one step result into a period row (pure). `backfilled`: the result's execution was started by
 * a replay (the projector knows it from the execution's `execution_started`, kept in its log row).
 */
export const applyToMetrics = (m: MetricsRow, r: StepResult, backfilled = false): MetricsRow => {
  const next = { ...m, durationHistogram: { ...m.durationHistogram } };
  foldIntoMetrics(next, r, backfilled);
  return next;
};

/**
 * Folds one step result into `next` IN PLACE: for a batch that owns its row objects (read from the
 * database for this batch) and would otherwise copy them once per result.
 */
export const foldIntoMetrics = (next: MetricsRow, r: StepResult, backfilled = false): MetricsRow => {
  next.updatedAt = laterIso(r.at, next.updatedAt);
  switch (r.kind) {
    case 'execution_completed':
    case 'execution_failed': {
      next.totalExecutions++;
      if (r.kind === 'execution_completed') next.successfulExecutions++;
      else next.failedExecutions++;
      if (backfilled) {
        next.backfilledExecutions++;
        if (r.kind === 'execution_completed') next.backfilledSuccessful++;
        else next.backfilledFailed++;
      }
      const ms = Math.round(r.durationMs);
      next.totalExecutionTimeMs += ms;
      const b = bucketOf(ms);
      next.durationHistogram[b] = (next.durationHistogram[b] ?? 0) + 1;
      return next;
    }
    case 'step_succeeded':
      if (r.delivery === 'suppressed') next.suppressedMessages++;
      else if (r.delivery === 'delivered') {
        if (r.channel === 'email') next.emailsSent++;
        else if (r.channel === 'sms') next.smsSent++;
        else if (r.channel === 'push') next.pushSent++;
        else if (r.channel === 'webhook') next.webhooksSent++;
        else return next;
        if (backfilled) next.backfilledMessages++;
      }
      return next;
    case 'execution_started':
    case 'step_skipped':
    case 'step_failed':
    case 'execution_waiting':
    case 'execution_cancelled':
      return next;
  }
};
