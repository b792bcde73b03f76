import { z } from 'zod';
import { Id } from './common';

/** GET /api/metrics/series and /api/metrics/summary */
export const MetricsQuery = z.object({
  period: z.enum(['hour', 'day']).default('hour'),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  workflowId: z.uuid().optional(),
});
export type MetricsQuery = z.infer<typeof MetricsQuery>;

/** One period of executions and messages (sums; averages weighted; p95 from the merged duration histograms) */
export const MetricsPoint = z.object({
  periodStart: z.iso.datetime({ offset: true }),
  total: z.number().int(),
  successful: z.number().int(),
  failed: z.number().int(),
  /** successful / finished; null when none finished */
  successRate: z.number().nullable(),
  avgMs: z.number(),
  p95Ms: z.number(),
  emails: z.number().int(),
  sms: z.number().int(),
  push: z.number().int(),
  webhooks: z.number().int(),
  suppressed: z.number().int(),
  /**
   * Of the above, what backfills (replays) did: executions finished, successful, failed, and messages
   * delivered (email, SMS, push, webhooks). Live = total − backfilled.
   */
  backfilled: z.object({ total: z.number().int(), successful: z.number().int(), failed: z.number().int(), messages: z.number().int() }),
});
export type MetricsPoint = z.infer<typeof MetricsPoint>;

export const MetricsSeries = z.object({
  period: z.enum(['hour', 'day']),
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  points: z.array(MetricsPoint),
});
export type MetricsSeries = z.infer<typeof MetricsSeries>;

/** The totals of one workflow over the range (`periodStart`: the range's start) */
export const WorkflowMetrics = MetricsPoint.extend({ workflowId: Id, name: z.string().nullable() });
export type WorkflowMetrics = z.infer<typeof WorkflowMetrics>;

export const MetricsSummary = z.object({
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  /** null when nothing was recorded in the range */
  totals: MetricsPoint.nullable(),
  workflows: z.array(WorkflowMetrics),
});
export type MetricsSummary = z.infer<typeof MetricsSummary>;
