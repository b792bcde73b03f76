import type { Pool } from 'pg';
import type { StepResult } from '@fixlify/contracts';
import { applyStepResult, emptyLog, type ExecutionLogRow } from '../projection/execution-log';
import { affectsMetrics, emptyMetrics, foldIntoMetrics, metricsKey, p95Of, periodStart, type MetricsRow, type Period } from '../projection/metrics';
import { table, type ProjectionTarget } from '../projection/target';

/**
 * Every projected row of some organizations, as plain JSON (timestamps as ISO strings), sorted: two
 * snapshots are equal row for row and column for column, or a test shows the difference.
 */
export interface ProjectionSnapshot {
  logs: Record<string, unknown>[];
  metrics: Record<string, unknown>[];
  counters: Record<string, unknown>[];
}

const iso = (v: unknown): unknown => (v instanceof Date ? v.toISOString() : v);
const plain = (r: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, iso(v)]));

export const snapshotProjection = async (pool: Pool, target: ProjectionTarget, organizationIds: string[] | 'all'): Promise<ProjectionSnapshot> => {
  const where = organizationIds === 'all' ? 'TRUE' : 'organization_id = ANY($1::uuid[])';
  const params = organizationIds === 'all' ? [] : [organizationIds];
  const logs = await pool.query(`SELECT * FROM ${table(target, 'automation_execution_logs')} WHERE ${where} ORDER BY id`, params);
  const metrics = await pool.query(`SELECT * FROM ${table(target, 'automation_metrics')} WHERE ${where} ORDER BY workflow_id, period, period_start`, params);
  const counters =
    target.counters === 'automation_workflows'
      ? await pool.query(
          `SELECT id AS workflow_id, organization_id, execution_count, success_count, failure_count, last_triggered_at FROM public.automation_workflows
           WHERE ${where} AND (execution_count <> 0 OR success_count <> 0 OR failure_count <> 0 OR last_triggered_at IS NOT NULL) ORDER BY id`,
          params,
        )
      : await pool.query(
          `SELECT workflow_id, organization_id, execution_count, success_count, failure_count, last_triggered_at FROM ${table(target, 'automation_workflow_counters')}
           WHERE ${where} ORDER BY workflow_id`,
          params,
        );
  return { logs: logs.rows.map(plain), metrics: metrics.rows.map(plain), counters: counters.rows.map(plain) };
};

/**
 * What the projection must hold after these results (in topic order per execution), computed with
 * the pure reducers and shaped like `snapshotProjection`'s rows.
 */
export const expectedProjection = (results: StepResult[]): ProjectionSnapshot => {
  const logs = new Map<string, ExecutionLogRow>();
  const metrics = new Map<string, MetricsRow>();
  const counters = new Map<
    string,
    { workflow_id: string; organization_id: string; execution_count: number; success_count: number; failure_count: number; last_triggered_at: string | null }
  >();
  for (const r of results) {
    const before = logs.get(r.executionId) ?? emptyLog(r);
    const after = applyStepResult(before, r);
    if (after === before) continue;
    logs.set(r.executionId, after);
    if (affectsMetrics(r))
      for (const p of ['hour', 'day'] as Period[]) {
        const k = metricsKey(r.workflowId, p, periodStart(r.at, p));
        const m = metrics.get(k) ?? emptyMetrics(r, p);
        foldIntoMetrics(m, r, after.replayId !== null);
        metrics.set(k, m);
      }
    if (r.kind === 'execution_started' || r.kind === 'execution_completed' || r.kind === 'execution_failed') {
      const c = counters.get(r.workflowId) ?? {
        workflow_id: r.workflowId,
        organization_id: r.organizationId,
        execution_count: 0,
        success_count: 0,
        failure_count: 0,
        last_triggered_at: null,
      };
      if (r.kind === 'execution_started') {
        c.execution_count++;
        if (!c.last_triggered_at || Date.parse(r.triggeredAt) > Date.parse(c.last_triggered_at)) c.last_triggered_at = new Date(r.triggeredAt).toISOString();
      } else if (r.kind === 'execution_completed') c.success_count++;
      else c.failure_count++;
      counters.set(r.workflowId, c);
    }
  }
  const t = (s: string | null): string | null => (s === null ? null : new Date(s).toISOString());
  const byKey = <T>(a: [string, T][]): T[] => a.sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, v]) => v);
  return {
    logs: byKey(
      [...logs.values()].map((l) => [
        l.id,
        {
          id: l.id,
          organization_id: l.organizationId,
          workflow_id: l.workflowId,
          version_id: l.versionId,
          status: l.status,
          trigger_type: l.triggerType,
          // jsonb round trip: key order and number forms as PostgreSQL gives them back
          trigger_data: JSON.parse(JSON.stringify(l.triggerData)),
          actions_executed: JSON.parse(JSON.stringify(l.actionsExecuted)),
          error_message: l.errorMessage,
          retry_count: l.retryCount,
          last_seq: l.lastSeq,
          triggered_at: t(l.triggeredAt),
          started_at: t(l.startedAt),
          completed_at: t(l.completedAt),
          execution_time_ms: l.executionTimeMs,
          created_at: t(l.createdAt),
          updated_at: t(l.updatedAt),
          replay_id: l.replayId,
        },
      ]),
    ),
    metrics: byKey(
      [...metrics.values()].map((m) => [
        `${m.workflowId}|${m.period}|${m.periodStart}`,
        {
          workflow_id: m.workflowId,
          organization_id: m.organizationId,
          period: m.period,
          period_start: m.periodStart,
          total_executions: m.totalExecutions,
          successful_executions: m.successfulExecutions,
          failed_executions: m.failedExecutions,
          total_execution_time_ms: String(m.totalExecutionTimeMs), // bigint comes back as text
          avg_execution_time_ms: m.totalExecutions ? Math.round(m.totalExecutionTimeMs / m.totalExecutions) : 0,
          p95_execution_time_ms: p95Of(m.durationHistogram),
          emails_sent: m.emailsSent,
          sms_sent: m.smsSent,
          push_sent: m.pushSent,
          webhooks_sent: m.webhooksSent,
          suppressed_messages: m.suppressedMessages,
          backfilled_executions: m.backfilledExecutions,
          backfilled_successful_executions: m.backfilledSuccessful,
          backfilled_failed_executions: m.backfilledFailed,
          backfilled_messages: m.backfilledMessages,
          duration_histogram: m.durationHistogram,
          updated_at: t(m.updatedAt),
        },
      ]),
    ),
    counters: byKey([...counters.values()].map((c) => [c.workflow_id, c])),
  };
};
