import { Controller, Get, Inject, Query } from '@nestjs/common';
import { z } from 'zod';
import { Caller } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { zod } from '../http/zod.pipe';
import { mergeSeries, type MetricsRowIn } from './series';

export const MetricsQuery = z.object({
  period: z.enum(['hour', 'day']).default('hour'),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  workflowId: z.uuid().optional(),
});

const range = (q: z.infer<typeof MetricsQuery>): [Date, Date] => {
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - (q.period === 'hour' ? 24 * 3600_000 : 30 * 86_400_000));
  return [from, to];
};

const COLUMNS = `period_start AS "periodStart", total_executions AS "totalExecutions", successful_executions AS "successfulExecutions",
  failed_executions AS "failedExecutions", total_execution_time_ms AS "totalExecutionTimeMs", emails_sent AS "emailsSent", sms_sent AS "smsSent",
  push_sent AS "pushSent", webhooks_sent AS "webhooksSent", suppressed_messages AS "suppressedMessages", duration_histogram AS "durationHistogram"`;

/** Reads the automation_metrics projection (per workflow, per hour and day). */
@Controller('api/metrics')
export class MetricsController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  @Get('series')
  @Doc({ summary: 'Executions, success rate, durations and messages by channel over time (all workflows or one)', query: MetricsQuery, role: 'viewer' })
  async series(@Caller() p: Principal, @Query(zod(MetricsQuery, 'query')) q: z.infer<typeof MetricsQuery>): Promise<unknown> {
    const [from, to] = range(q);
    const r = await this.deps.pool.query<MetricsRowIn>(
      `SELECT ${COLUMNS} FROM automation_metrics
        WHERE organization_id = $1 AND period = $2 AND period_start >= date_trunc($2, $3::timestamptz) AND period_start < $4 AND ($5::uuid IS NULL OR workflow_id = $5)`,
      [p.organizationId, q.period, from, to, q.workflowId ?? null],
    );
    return { period: q.period, from: from.toISOString(), to: to.toISOString(), points: mergeSeries(r.rows) };
  }

  @Get('summary')
  @Doc({ summary: 'Totals over a time range, overall and per workflow', query: MetricsQuery, role: 'viewer' })
  async summary(@Caller() p: Principal, @Query(zod(MetricsQuery, 'query')) q: z.infer<typeof MetricsQuery>): Promise<unknown> {
    const [from, to] = range(q);
    const r = await this.deps.pool.query<MetricsRowIn & { workflowId: string; workflowName: string | null }>(
      `SELECT m.workflow_id AS "workflowId", w.name AS "workflowName", ${COLUMNS}
         FROM automation_metrics m LEFT JOIN automation_workflows w ON w.id = m.workflow_id AND w.organization_id = m.organization_id
        WHERE m.organization_id = $1 AND m.period = $2 AND m.period_start >= date_trunc($2, $3::timestamptz) AND m.period_start < $4 AND ($5::uuid IS NULL OR m.workflow_id = $5)`,
      [p.organizationId, q.period, from, to, q.workflowId ?? null],
    );
    const flat = (rows: MetricsRowIn[]) => mergeSeries(rows.map((x) => ({ ...x, periodStart: from })))[0] ?? null;
    const byWorkflow = new Map<string, { name: string | null; rows: MetricsRowIn[] }>();
    for (const row of r.rows) {
      const e = byWorkflow.get(row.workflowId) ?? { name: row.workflowName, rows: [] };
      e.rows.push(row);
      byWorkflow.set(row.workflowId, e);
    }
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      totals: flat(r.rows),
      workflows: [...byWorkflow.entries()].map(([workflowId, e]) => ({ workflowId, name: e.name, ...flat(e.rows) })),
    };
  }
}
