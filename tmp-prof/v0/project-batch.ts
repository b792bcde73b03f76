import type { PoolClient } from 'pg';
import type { StepResult } from '@fixlify/contracts';
import { applyStepResult, emptyLog, type ExecutionLogRow } from './execution-log';
import { affectsMetrics, applyToMetrics, emptyMetrics, metricsKey, p95Of, periodStart, type MetricsRow, type Period } from './metrics';

export interface ProjectionInput {
  topic: string;
  partition: number;
  /** offsets and results of this partition, in order */
  items: { offset: string; value: StepResult | null }[];
}

interface CounterDelta {
  executions: number;
  successes: number;
  failures: number;
  lastTriggeredAt: string | null;
}

const PERIODS: Period[] = ['hour', 'day'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a pg row, read column by column
const rowFromDb = (r: Record<string, any>): ExecutionLogRow => ({
  id: r.id,
  organizationId: r.organization_id,
  workflowId: r.workflow_id,
  versionId: r.version_id,
  status: r.status,
  triggerType: r.trigger_type,
  triggerData: r.trigger_data,
  actionsExecuted: r.actions_executed,
  errorMessage: r.error_message,
  retryCount: r.retry_count,
  lastSeq: r.last_seq,
  triggeredAt: r.triggered_at?.toISOString() ?? null,
  startedAt: r.started_at?.toISOString() ?? null,
  completedAt: r.completed_at?.toISOString() ?? null,
  executionTimeMs: r.execution_time_ms,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a pg row, read column by column
const metricsFromDb = (r: Record<string, any>): MetricsRow => ({
  workflowId: r.workflow_id,
  organizationId: r.organization_id,
  period: r.period,
  periodStart: r.period_start.toISOString(),
  totalExecutions: r.total_executions,
  successfulExecutions: r.successful_executions,
  failedExecutions: r.failed_executions,
  totalExecutionTimeMs: Number(r.total_execution_time_ms),
  emailsSent: r.emails_sent,
  smsSent: r.sms_sent,
  pushSent: r.push_sent,
  webhooksSent: r.webhooks_sent,
  suppressedMessages: r.suppressed_messages,
  durationHistogram: r.duration_histogram,
});

/**
 * Projects one partition's batch in the caller's PostgreSQL transaction: messages below the stored
 * offset were applied already and are skipped; rows are read once, folded in memory and written
 * back with one multi-row upsert per table, and the new offset is stored with them.
 * Returns how many results were applied.
 */
export const projectBatch = async (db: PoolClient, consumer: string, input: ProjectionInput): Promise<number> => {
  const off = await db.query<{ next_offset: string }>(
    'SELECT next_offset FROM automation_projection_offsets WHERE consumer = $1 AND topic = $2 AND partition = $3 FOR UPDATE',
    [consumer, input.topic, input.partition],
  );
  const from = BigInt(off.rows[0]?.next_offset ?? '0');
  const fresh = input.items.filter((i) => BigInt(i.offset) >= from);
  if (fresh.length === 0) return 0;
  const results = fresh.map((i) => i.value).filter((v): v is StepResult => v !== null);

  const execIds = [...new Set(results.map((r) => r.executionId))];
  const logs = new Map<string, ExecutionLogRow>();
  if (execIds.length) {
    const res = await db.query('SELECT * FROM automation_execution_logs WHERE id = ANY($1::uuid[]) FOR UPDATE', [execIds]);
    for (const r of res.rows) logs.set(r.id, rowFromDb(r));
  }
  const metricKeys = new Set<string>();
  for (const r of results) if (affectsMetrics(r)) for (const p of PERIODS) metricKeys.add(metricsKey(r.workflowId, p, periodStart(r.at, p)));
  const metrics = new Map<string, MetricsRow>();
  if (metricKeys.size) {
    const keys = [...metricKeys].map((k) => k.split('|'));
    const res = await db.query(
      `SELECT m.* FROM automation_metrics m JOIN unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS k(w, p, s)
         ON m.workflow_id = k.w AND m.period = k.p AND m.period_start = k.s FOR UPDATE OF m`,
      [keys.map((k) => k[0]), keys.map((k) => k[1]), keys.map((k) => k[2])],
    );
    for (const r of res.rows) {
      const m = metricsFromDb(r);
      metrics.set(metricsKey(m.workflowId, m.period, m.periodStart), m);
    }
  }
  const counters = new Map<string, CounterDelta>();
  const counter = (w: string): CounterDelta => {
    let c = counters.get(w);
    if (!c) counters.set(w, (c = { executions: 0, successes: 0, failures: 0, lastTriggeredAt: null }));
    return c;
  };

  let applied = 0;
  for (const r of results) {
    const before = logs.get(r.executionId) ?? emptyLog(r);
    const after = applyStepResult(before, r);
    if (after === before) continue; // already applied (a duplicate result)
    logs.set(r.executionId, after);
    applied++;
    if (affectsMetrics(r))
      for (const p of PERIODS) {
        const k = metricsKey(r.workflowId, p, periodStart(r.at, p));
        metrics.set(k, applyToMetrics(metrics.get(k) ?? emptyMetrics(r, p), r));
      }
    if (r.kind === 'execution_started') {
      const c = counter(r.workflowId);
      c.executions++;
      if (!c.lastTriggeredAt || r.triggeredAt > c.lastTriggeredAt) c.lastTriggeredAt = r.triggeredAt;
    } else if (r.kind === 'execution_completed') counter(r.workflowId).successes++;
    else if (r.kind === 'execution_failed') counter(r.workflowId).failures++;
  }

  const rows = [...logs.values()].filter((l) => execIds.includes(l.id));
  if (rows.length) {
    await db.query(
      `INSERT INTO automation_execution_logs AS l (id, organization_id, workflow_id, version_id, status, trigger_type, trigger_data,
         actions_executed, error_message, retry_count, last_seq, triggered_at, started_at, completed_at, execution_time_ms, created_at, updated_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::jsonb[], $8::jsonb[], $9::text[],
         $10::int[], $11::int[], $12::timestamptz[], $13::timestamptz[], $14::timestamptz[], $15::int[], $16::timestamptz[], $17::timestamptz[])
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, trigger_type = EXCLUDED.trigger_type, trigger_data = EXCLUDED.trigger_data,
         actions_executed = EXCLUDED.actions_executed, error_message = EXCLUDED.error_message, retry_count = EXCLUDED.retry_count,
         last_seq = EXCLUDED.last_seq, triggered_at = EXCLUDED.triggered_at, started_at = EXCLUDED.started_at,
         completed_at = EXCLUDED.completed_at, execution_time_ms = EXCLUDED.execution_time_ms, created_at = EXCLUDED.created_at,
         updated_at = EXCLUDED.updated_at`,
      [
        rows.map((l) => l.id),
        rows.map((l) => l.organizationId),
        rows.map((l) => l.workflowId),
        rows.map((l) => l.versionId),
        rows.map((l) => l.status),
        rows.map((l) => l.triggerType),
        rows.map((l) => JSON.stringify(l.triggerData)),
        rows.map((l) => JSON.stringify(l.actionsExecuted)),
        rows.map((l) => l.errorMessage),
        rows.map((l) => l.retryCount),
        rows.map((l) => l.lastSeq),
        rows.map((l) => l.triggeredAt),
        rows.map((l) => l.startedAt),
        rows.map((l) => l.completedAt),
        rows.map((l) => l.executionTimeMs),
        rows.map((l) => l.createdAt),
        rows.map((l) => l.updatedAt),
      ],
    );
  }
  const ms = [...metrics.values()];
  if (ms.length) {
    await db.query(
      `INSERT INTO automation_metrics AS m (workflow_id, organization_id, period, period_start, total_executions, successful_executions,
         failed_executions, total_execution_time_ms, avg_execution_time_ms, p95_execution_time_ms, emails_sent, sms_sent, push_sent,
         webhooks_sent, suppressed_messages, duration_histogram)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::int[], $6::int[], $7::int[], $8::bigint[], $9::int[],
         $10::int[], $11::int[], $12::int[], $13::int[], $14::int[], $15::int[], $16::jsonb[])
       ON CONFLICT (workflow_id, period, period_start) DO UPDATE SET total_executions = EXCLUDED.total_executions,
         successful_executions = EXCLUDED.successful_executions, failed_executions = EXCLUDED.failed_executions,
         total_execution_time_ms = EXCLUDED.total_execution_time_ms, avg_execution_time_ms = EXCLUDED.avg_execution_time_ms,
         p95_execution_time_ms = EXCLUDED.p95_execution_time_ms, emails_sent = EXCLUDED.emails_sent, sms_sent = EXCLUDED.sms_sent,
         push_sent = EXCLUDED.push_sent, webhooks_sent = EXCLUDED.webhooks_sent, suppressed_messages = EXCLUDED.suppressed_messages,
         duration_histogram = EXCLUDED.duration_histogram, updated_at = now()`,
      [
        ms.map((m) => m.workflowId),
        ms.map((m) => m.organizationId),
        ms.map((m) => m.period),
        ms.map((m) => m.periodStart),
        ms.map((m) => m.totalExecutions),
        ms.map((m) => m.successfulExecutions),
        ms.map((m) => m.failedExecutions),
        ms.map((m) => m.totalExecutionTimeMs),
        ms.map((m) => (m.totalExecutions ? Math.round(m.totalExecutionTimeMs / m.totalExecutions) : 0)),
        ms.map((m) => p95Of(m.durationHistogram)),
        ms.map((m) => m.emailsSent),
        ms.map((m) => m.smsSent),
        ms.map((m) => m.pushSent),
        ms.map((m) => m.webhooksSent),
        ms.map((m) => m.suppressedMessages),
        ms.map((m) => JSON.stringify(m.durationHistogram)),
      ],
    );
  }
  const cs = [...counters.entries()];
  if (cs.length) {
    await db.query(
      `UPDATE automation_workflows w SET execution_count = w.execution_count + d.e, success_count = w.success_count + d.s,
         failure_count = w.failure_count + d.f, last_triggered_at = GREATEST(w.last_triggered_at, d.t)
       FROM unnest($1::uuid[], $2::int[], $3::int[], $4::int[], $5::timestamptz[]) AS d(id, e, s, f, t) WHERE w.id = d.id`,
      [cs.map(([w]) => w), cs.map(([, c]) => c.executions), cs.map(([, c]) => c.successes), cs.map(([, c]) => c.failures), cs.map(([, c]) => c.lastTriggeredAt)],
    );
  }
  const last = fresh[fresh.length - 1]!.offset;
  await db.query(
    `INSERT INTO automation_projection_offsets (consumer, topic, partition, next_offset) VALUES ($1, $2, $3, $4)
     ON CONFLICT (consumer, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()`,
    [consumer, input.topic, input.partition, (BigInt(last) + 1n).toString()],
  );
  return applied;
};
