import type { PoolClient } from 'pg';
import { CHANNEL_OF_ACTION, type ActionType, type StepResult } from '@fixlify/contracts';
import { emptyLog, foldIntoLog, type ExecutionLogRow, type ExecutionStatus } from './execution-log';
import { affectsMetrics, emptyMetrics, foldIntoMetrics, laterIso, metricsKey, p95Of, periodStart, type MetricsRow, type Period } from './metrics';
import { partitionLockKey, table, type ProjectionTarget } from './target';

export interface ProjectionInput {
  topic: string;
  partition: number;
  /** offsets and results of this partition, in order */
  items: { offset: string; value: StepResult | null }[];
  /**
   * The position after this batch (its last offset + 1, transaction markers included): what the
   * next fetch asks for, stored as the projection's position. Defaults to the last item + 1.
   */
  nextOffset?: string;
  /** the offset the fetch asked for: ahead of the stored position means records were skipped */
  fetchedOffset?: string;
}

export interface BatchOutcome {
  /** results that changed the projection */
  applied: number;
  /** results skipped: below the stored offset, or already folded into their execution (duplicates) */
  skipped: number;
  /** `status|lane` → executions that reached a status in this batch (lane: live, or replay for a backfilled execution) */
  statuses: Map<`${ExecutionStatus}|${Lane}`, number>;
  /** `channel|outcome|lane` → deliveries (outcome: delivered, suppressed, deduplicated, failed, retrying) */
  deliveries: Map<string, number>;
  /**
   * Set when the consumer is ahead of the stored position (its Kafka offset outran PostgreSQL, e.g.
   * after an interrupted rebuild): nothing was applied; fetch again from here.
   */
  rewindTo?: string;
}

interface CounterDelta {
  organizationId: string;
  executions: number;
  successes: number;
  failures: number;
  lastTriggeredAt: string | null;
}

const PERIODS: Period[] = ['hour', 'day'];

/** Where an execution came from, as the executor's `fixlify_executions_total{lane}` names it. */
export type Lane = 'live' | 'replay';
export const laneOf = (log: Pick<ExecutionLogRow, 'replayId'>): Lane => (log.replayId == null ? 'live' : 'replay');

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
  replayId: r.replay_id ?? null,
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
  backfilledExecutions: r.backfilled_executions,
  backfilledSuccessful: r.backfilled_successful_executions,
  backfilledFailed: r.backfilled_failed_executions,
  backfilledMessages: r.backfilled_messages,
  durationHistogram: r.duration_histogram,
  updatedAt: r.updated_at.toISOString(),
});

const bump = <K>(m: Map<K, number>, k: K, by = 1): void => {
  m.set(k, (m.get(k) ?? 0) + by);
};

/** Delivery outcome of a result, for the deliveries-by-channel metric; null when it is not a delivery. */
export const deliveryOf = (r: StepResult): { channel: string; outcome: string } | null => {
  if (r.kind === 'step_succeeded') return r.channel && r.delivery !== 'none' ? { channel: r.channel, outcome: r.delivery } : null;
  if (r.kind === 'step_failed') {
    const channel = CHANNEL_OF_ACTION[r.stepType as ActionType];
    return channel ? { channel, outcome: r.retryAt ? 'retrying' : 'failed' } : null;
  }
  return null;
};

/**
 * Projects one partition's batch in the caller's PostgreSQL transaction: messages below the stored
 * offset were applied already and are skipped; rows are read once, folded in memory and written
 * back with one multi-row upsert per table, and the new offset is stored with them. Batches of one
 * partition are serialised by an advisory lock, whichever projector (live, rebuild, test) runs them,
 * so two projectors never fold the same execution from the same stale row.
 */
export const projectBatch = async (db: PoolClient, consumer: string, input: ProjectionInput, target: ProjectionTarget): Promise<BatchOutcome> => {
  const outcome: BatchOutcome = { applied: 0, skipped: 0, statuses: new Map(), deliveries: new Map() };
  const T = {
    logs: table(target, 'automation_execution_logs'),
    metrics: table(target, 'automation_metrics'),
    offsets: table(target, 'automation_projection_offsets'),
    counters: target.counters === 'automation_workflows' ? 'public.automation_workflows' : table(target, 'automation_workflow_counters'),
  };
  await db.query('SELECT pg_advisory_xact_lock(hashtext($1), $2)', [partitionLockKey(target, input.topic), input.partition]);
  const off = await db.query<{ next_offset: string }>(`SELECT next_offset FROM ${T.offsets} WHERE consumer = $1 AND topic = $2 AND partition = $3 FOR UPDATE`, [
    consumer,
    input.topic,
    input.partition,
  ]);
  const from = BigInt(off.rows[0]?.next_offset ?? '0');
  // the offsets table is the truth: never apply a batch that starts beyond it
  if (off.rows[0] && input.fetchedOffset !== undefined && BigInt(input.fetchedOffset) > from) return { ...outcome, rewindTo: from.toString() };
  // items are in offset order: usually all of them are new
  let firstFresh = 0;
  while (firstFresh < input.items.length && BigInt(input.items[firstFresh]!.offset) < from) firstFresh++;
  const fresh = firstFresh === 0 ? input.items : input.items.slice(firstFresh);
  outcome.skipped = firstFresh;
  if (fresh.length === 0) return outcome;
  const results: StepResult[] = [];
  for (const i of fresh) if (i.value !== null) results.push(i.value);

  // 1. execution logs: rows of this partition only, serialised by the partition lock
  const logs = new Map<string, ExecutionLogRow>();
  const execIds = [...new Set(results.map((r) => r.executionId))];
  if (execIds.length) {
    const res = await db.query(`SELECT * FROM ${T.logs} WHERE id = ANY($1::uuid[]) FOR UPDATE`, [execIds]);
    for (const r of res.rows) logs.set(r.id, rowFromDb(r));
  }
  const changedLogs = new Set<string>();
  const applied: StepResult[] = [];
  const counters = new Map<string, CounterDelta>();
  const counter = (r: StepResult): CounterDelta => {
    let c = counters.get(r.workflowId);
    if (!c) counters.set(r.workflowId, (c = { organizationId: r.organizationId, executions: 0, successes: 0, failures: 0, lastTriggeredAt: null }));
    return c;
  };
  for (const r of results) {
    let log = logs.get(r.executionId);
    if (!log) logs.set(r.executionId, (log = emptyLog(r)));
    const status = log.status;
    // rows read for this batch are its own: folded in place, not copied per result
    if (!foldIntoLog(log, r)) {
      outcome.skipped++; // already applied (a duplicate result)
      continue;
    }
    changedLogs.add(r.executionId);
    applied.push(r);
    const lane = laneOf(log);
    if (log.status !== status) bump(outcome.statuses, `${log.status}|${lane}`);
    const d = deliveryOf(r);
    if (d) bump(outcome.deliveries, `${d.channel}|${d.outcome}|${lane}`);
    if (r.kind === 'execution_started') {
      const c = counter(r);
      c.executions++;
      if (!c.lastTriggeredAt || laterIso(r.triggeredAt, c.lastTriggeredAt) === r.triggeredAt) c.lastTriggeredAt = r.triggeredAt;
    } else if (r.kind === 'execution_completed') counter(r).successes++;
    else if (r.kind === 'execution_failed') counter(r).failures++;
  }
  outcome.applied = applied.length;

  // 2. the execution logs are written before any shared row is locked: the slow statement of a batch
  // holds no lock another partition's batch waits for.
  // Rows travel as one JSON document per statement: JSON.stringify is native, whereas pg's
  // array-literal escaping of 17 arrays (JSON text inside) cost more than the fold itself.
  const rows = [...changedLogs].map((id) => logs.get(id)!);
  if (rows.length) {
    await db.query(
      `INSERT INTO ${T.logs} AS l (id, organization_id, workflow_id, version_id, status, trigger_type, trigger_data,
         actions_executed, error_message, retry_count, last_seq, triggered_at, started_at, completed_at, execution_time_ms, created_at, updated_at, replay_id)
       SELECT id, "organizationId", "workflowId", "versionId", status, "triggerType", "triggerData", "actionsExecuted", "errorMessage",
         "retryCount", "lastSeq", "triggeredAt", "startedAt", "completedAt", "executionTimeMs", "createdAt", "updatedAt", "replayId"
       FROM json_to_recordset($1::json) AS x(id uuid, "organizationId" uuid, "workflowId" uuid, "versionId" uuid, status text, "triggerType" text,
         "triggerData" jsonb, "actionsExecuted" jsonb, "errorMessage" text, "retryCount" int, "lastSeq" int, "triggeredAt" timestamptz,
         "startedAt" timestamptz, "completedAt" timestamptz, "executionTimeMs" int, "createdAt" timestamptz, "updatedAt" timestamptz, "replayId" uuid)
       ON CONFLICT (id, created_at) DO UPDATE SET status = EXCLUDED.status, trigger_type = EXCLUDED.trigger_type, trigger_data = EXCLUDED.trigger_data,
         actions_executed = EXCLUDED.actions_executed, error_message = EXCLUDED.error_message, retry_count = EXCLUDED.retry_count,
         last_seq = EXCLUDED.last_seq, triggered_at = EXCLUDED.triggered_at, started_at = EXCLUDED.started_at,
         completed_at = EXCLUDED.completed_at, execution_time_ms = EXCLUDED.execution_time_ms,
         updated_at = EXCLUDED.updated_at, replay_id = EXCLUDED.replay_id`,
      [JSON.stringify(rows)],
    );
  }
  // 3. metrics rows are shared by partitions (one workflow's executions spread over all of them),
  // so concurrent batches must not fold from the same stale row: make every row exist and lock it
  // in one statement, in key order (no deadlocks), reading the latest committed version
  const counted = applied.filter(affectsMetrics).map((r) => ({ r, keys: PERIODS.map((p) => metricsKey(r.workflowId, p, periodStart(r.at, p))) }));
  const metricKeys = new Map<string, string>();
  for (const { r, keys } of counted) for (const k of keys) metricKeys.set(k, r.organizationId);
  const metrics = new Map<string, MetricsRow>();
  if (metricKeys.size) {
    const keys = [...metricKeys].map(([k, org]) => [...k.split('|'), org] as [string, string, string, string]);
    const res = await db.query(
      `INSERT INTO ${T.metrics} AS m (workflow_id, period, period_start, organization_id, updated_at)
       SELECT k.w, k.p, k.s, k.o, k.s FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::uuid[]) AS k(w, p, s, o) ORDER BY k.w, k.p, k.s
       ON CONFLICT (workflow_id, period, period_start) DO UPDATE SET workflow_id = m.workflow_id
       RETURNING m.*`,
      [keys.map((k) => k[0]), keys.map((k) => k[1]), keys.map((k) => k[2]), keys.map((k) => k[3])],
    );
    for (const r of res.rows) {
      const m = metricsFromDb(r);
      metrics.set(metricsKey(m.workflowId, m.period, m.periodStart), m);
    }
  }
  for (const { r, keys } of counted) {
    // an execution's results share its partition, its started result first: its log row (read or
    // folded in this batch) knows whether a replay started it
    const backfilled = laneOf(logs.get(r.executionId)!) === 'replay';
    keys.forEach((k, i) => {
      let m = metrics.get(k);
      if (!m) metrics.set(k, (m = emptyMetrics(r, PERIODS[i]!)));
      foldIntoMetrics(m, r, backfilled);
    });
  }
  const changedMetrics = metricKeys.keys();

  const ms = [...changedMetrics].map((k) => {
    const m = metrics.get(k)!;
    return { ...m, avg: m.totalExecutions ? Math.round(m.totalExecutionTimeMs / m.totalExecutions) : 0, p95: p95Of(m.durationHistogram) };
  });
  if (ms.length) {
    await db.query(
      `INSERT INTO ${T.metrics} AS m (workflow_id, organization_id, period, period_start, total_executions, successful_executions,
         failed_executions, total_execution_time_ms, avg_execution_time_ms, p95_execution_time_ms, emails_sent, sms_sent, push_sent,
         webhooks_sent, suppressed_messages, backfilled_executions, backfilled_successful_executions, backfilled_failed_executions,
         backfilled_messages, duration_histogram, updated_at)
       SELECT "workflowId", "organizationId", period, "periodStart", "totalExecutions", "successfulExecutions", "failedExecutions",
         "totalExecutionTimeMs", avg, p95, "emailsSent", "smsSent", "pushSent", "webhooksSent", "suppressedMessages", "backfilledExecutions",
         "backfilledSuccessful", "backfilledFailed", "backfilledMessages", "durationHistogram", "updatedAt"
       FROM json_to_recordset($1::json) AS x("workflowId" uuid, "organizationId" uuid, period text, "periodStart" timestamptz,
         "totalExecutions" int, "successfulExecutions" int, "failedExecutions" int, "totalExecutionTimeMs" bigint, avg int, p95 int,
         "emailsSent" int, "smsSent" int, "pushSent" int, "webhooksSent" int, "suppressedMessages" int, "backfilledExecutions" int,
         "backfilledSuccessful" int, "backfilledFailed" int, "backfilledMessages" int, "durationHistogram" jsonb, "updatedAt" timestamptz)
       ON CONFLICT (workflow_id, period, period_start) DO UPDATE SET total_executions = EXCLUDED.total_executions,
         successful_executions = EXCLUDED.successful_executions, failed_executions = EXCLUDED.failed_executions,
         total_execution_time_ms = EXCLUDED.total_execution_time_ms, avg_execution_time_ms = EXCLUDED.avg_execution_time_ms,
         p95_execution_time_ms = EXCLUDED.p95_execution_time_ms, emails_sent = EXCLUDED.emails_sent, sms_sent = EXCLUDED.sms_sent,
         push_sent = EXCLUDED.push_sent, webhooks_sent = EXCLUDED.webhooks_sent, suppressed_messages = EXCLUDED.suppressed_messages,
         backfilled_executions = EXCLUDED.backfilled_executions, backfilled_successful_executions = EXCLUDED.backfilled_successful_executions,
         backfilled_failed_executions = EXCLUDED.backfilled_failed_executions, backfilled_messages = EXCLUDED.backfilled_messages,
         duration_histogram = EXCLUDED.duration_histogram, updated_at = EXCLUDED.updated_at`,
      [JSON.stringify(ms)],
    );
  }
  // counters are shared by partitions too: additive updates, rows locked in id order
  const cs = [...counters.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (cs.length) {
    const params = [
      cs.map(([w]) => w),
      cs.map(([, c]) => c.executions),
      cs.map(([, c]) => c.successes),
      cs.map(([, c]) => c.failures),
      cs.map(([, c]) => c.lastTriggeredAt),
    ];
    if (target.counters === 'automation_workflows') {
      await db.query(`SELECT 1 FROM ${T.counters} WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [params[0]]);
      await db.query(
        `UPDATE ${T.counters} w SET execution_count = w.execution_count + d.e, success_count = w.success_count + d.s,
           failure_count = w.failure_count + d.f, last_triggered_at = GREATEST(w.last_triggered_at, d.t)
         FROM unnest($1::uuid[], $2::int[], $3::int[], $4::int[], $5::timestamptz[]) AS d(id, e, s, f, t) WHERE w.id = d.id`,
        params,
      );
    } else
      await db.query(
        `INSERT INTO ${T.counters} AS w (workflow_id, execution_count, success_count, failure_count, last_triggered_at, organization_id)
         SELECT * FROM unnest($1::uuid[], $2::int[], $3::int[], $4::int[], $5::timestamptz[], $6::uuid[]) ORDER BY 1
         ON CONFLICT (workflow_id) DO UPDATE SET execution_count = w.execution_count + EXCLUDED.execution_count,
           success_count = w.success_count + EXCLUDED.success_count, failure_count = w.failure_count + EXCLUDED.failure_count,
           last_triggered_at = GREATEST(w.last_triggered_at, EXCLUDED.last_triggered_at)`,
        [...params, cs.map(([, c]) => c.organizationId)],
      );
  }
  const next = input.nextOffset ?? (BigInt(fresh[fresh.length - 1]!.offset) + 1n).toString();
  await db.query(
    `INSERT INTO ${T.offsets} (consumer, topic, partition, next_offset) VALUES ($1, $2, $3, $4)
     ON CONFLICT (consumer, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()`,
    [consumer, input.topic, input.partition, next],
  );
  return outcome;
};
