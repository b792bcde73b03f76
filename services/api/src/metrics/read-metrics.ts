import type { Pool } from 'pg';
import type { MetricsQuery, MetricsSeries, MetricsSummary, MetricsPoint } from '@fixlify/contracts';
import { mergeSeries, type MetricsRowIn } from './series';

/** The range asked for: up to `to` (now by default), from `from` (by default the last 24 hours by hour, the last 30 days by day). */
export const metricsRange = (q: MetricsQuery, now: Date = new Date()): [Date, Date] => {
  const to = q.to ? new Date(q.to) : now;
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - (q.period === 'hour' ? 24 * 3600_000 : 30 * 86_400_000));
  return [from, to];
};

const COLUMNS = `period_start AS "periodStart", total_executions AS "totalExecutions", successful_executions AS "successfulExecutions",
  failed_executions AS "failedExecutions", total_execution_time_ms AS "totalExecutionTimeMs", emails_sent AS "emailsSent", sms_sent AS "smsSent",
  push_sent AS "pushSent", webhooks_sent AS "webhooksSent", suppressed_messages AS "suppressedMessages",
  backfilled_executions AS "backfilledExecutions", backfilled_successful_executions AS "backfilledSuccessful",
  backfilled_failed_executions AS "backfilledFailed", backfilled_messages AS "backfilledMessages", duration_histogram AS "durationHistogram"`;

/** GET /api/metrics/series: one point per period of the automation_metrics projection (all workflows, or one). */
export const readMetricsSeries = async (pool: Pool, organizationId: string, q: MetricsQuery): Promise<MetricsSeries> => {
  const [from, to] = metricsRange(q);
  const r = await pool.query<MetricsRowIn>(
    `SELECT ${COLUMNS} FROM automation_metrics
      WHERE organization_id = $1 AND period = $2 AND period_start >= date_trunc($2, $3::timestamptz) AND period_start < $4 AND ($5::uuid IS NULL OR workflow_id = $5)`,
    [organizationId, q.period, from, to, q.workflowId ?? null],
  );
  return { period: q.period, from: from.toISOString(), to: to.toISOString(), points: mergeSeries(r.rows) };
};

type WorkflowRowIn = MetricsRowIn & { workflowId: string; workflowName: string | null };

/** Totals over the range, overall and per workflow: every row counted as of the range's start. */
export const summarizeMetrics = (rows: WorkflowRowIn[], from: Date): Pick<MetricsSummary, 'totals' | 'workflows'> => {
  const flat = (rs: MetricsRowIn[]): MetricsPoint | null => mergeSeries(rs.map((x) => ({ ...x, periodStart: from })))[0] ?? null;
  const byWorkflow = new Map<string, { name: string | null; rows: MetricsRowIn[] }>();
  for (const row of rows) {
    const e = byWorkflow.get(row.workflowId) ?? { name: row.workflowName, rows: [] };
    e.rows.push(row);
    byWorkflow.set(row.workflowId, e);
  }
  // a workflow is listed for its rows, so it always has a total
  return { totals: flat(rows), workflows: [...byWorkflow.entries()].map(([workflowId, e]) => ({ workflowId, name: e.name, ...flat(e.rows)! })) };
};

/** GET /api/metrics/summary */
export const readMetricsSummary = async (pool: Pool, organizationId: string, q: MetricsQuery): Promise<MetricsSummary> => {
  const [from, to] = metricsRange(q);
  const r = await pool.query<WorkflowRowIn>(
    `SELECT m.workflow_id AS "workflowId", w.name AS "workflowName", ${COLUMNS}
       FROM automation_metrics m LEFT JOIN automation_workflows w ON w.id = m.workflow_id AND w.organization_id = m.organization_id
      WHERE m.organization_id = $1 AND m.period = $2 AND m.period_start >= date_trunc($2, $3::timestamptz) AND m.period_start < $4 AND ($5::uuid IS NULL OR m.workflow_id = $5)`,
    [organizationId, q.period, from, to, q.workflowId ?? null],
  );
  return { from: from.toISOString(), to: to.toISOString(), ...summarizeMetrics(r.rows, from) };
};
