import { loadContexts } from '@fixlify/db';
import { redactWorkflowSecrets } from '@fixlify/channels';
import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { Command, TOPICS, TriggerType, WorkflowDefinition } from '@fixlify/contracts';
import { Caller } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { ApiError, notFound } from '../http/errors';
import { idOr404, zod } from '../http/zod.pipe';
import { cancelCommand, manualRetryCommand, rebuildEvent, type ExecutionRef } from './commands';

/** unknown: ended on a person's message that may or may not have been delivered (step error outcome_unknown) */
export const EXECUTION_STATUSES = ['pending', 'processing', 'completed', 'failed', 'unknown', 'retry', 'waiting', 'cancelled'] as const;
export const ExecutionsQuery = z.object({
  workflowId: z.uuid().optional(),
  status: z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(z.enum(EXECUTION_STATUSES)).max(EXECUTION_STATUSES.length))
    .optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  /** paging: executions that started before this time */
  before: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const CANCELLABLE = ['pending', 'processing', 'waiting', 'retry'];

interface LogRow {
  id: string;
  organizationId: string;
  workflowId: string;
  versionId: string;
  status: string;
  triggerType: string | null;
  triggerData: Record<string, unknown>;
  lastSeq: number;
  triggeredAt: Date | null;
  startedAt: Date | null;
}

const LIST_COLUMNS = `l.id, l.workflow_id AS "workflowId", w.name AS "workflowName", l.version_id AS "versionId", v.version, l.status, l.trigger_type AS "triggerType",
  l.error_message AS "errorMessage", l.retry_count AS "retryCount", jsonb_array_length(l.actions_executed) AS "stepCount",
  l.triggered_at AS "triggeredAt", l.started_at AS "startedAt", l.completed_at AS "completedAt", l.execution_time_ms AS "executionTimeMs",
  coalesce((l.trigger_data->>'testRun')::boolean, false) AS "testRun", l.updated_at AS "updatedAt"`;

@Controller('api/executions')
export class ExecutionsController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  @Get()
  @Doc({ summary: 'Executions, newest first, filtered by workflow, status (comma-separated) and time', query: ExecutionsQuery, role: 'viewer' })
  async list(@Caller() p: Principal, @Query(zod(ExecutionsQuery, 'query')) q: z.infer<typeof ExecutionsQuery>): Promise<unknown> {
    const r = await this.deps.pool.query(
      `SELECT ${LIST_COLUMNS}
         FROM automation_execution_logs l
         LEFT JOIN automation_workflows w ON w.id = l.workflow_id AND w.organization_id = l.organization_id
         LEFT JOIN automation_workflow_versions v ON v.id = l.version_id
        WHERE l.organization_id = $1
          AND ($2::uuid IS NULL OR l.workflow_id = $2)
          AND ($3::text[] IS NULL OR l.status = ANY($3))
          AND ($4::timestamptz IS NULL OR coalesce(l.started_at, l.created_at) >= $4)
          AND ($5::timestamptz IS NULL OR coalesce(l.started_at, l.created_at) < $5)
          AND ($6::timestamptz IS NULL OR coalesce(l.started_at, l.created_at) < $6)
        ORDER BY coalesce(l.started_at, l.created_at) DESC, l.id
        LIMIT $7`,
      [p.organizationId, q.workflowId ?? null, q.status?.length ? q.status : null, q.from ?? null, q.to ?? null, q.before ?? null, q.limit],
    );
    const last = r.rows[r.rows.length - 1] as { startedAt: Date | null } | undefined;
    return { items: r.rows, nextBefore: r.rows.length === q.limit && last?.startedAt ? last.startedAt : null };
  }

  @Get(':id')
  @Doc({ summary: 'One execution with its step timeline (attempts, outputs, errors), deliveries and pending timers', role: 'viewer' })
  async get(@Caller() p: Principal, @Param('id', idOr404('execution')) id: string): Promise<unknown> {
    const r = await this.deps.pool.query(
      `SELECT ${LIST_COLUMNS}, l.trigger_data AS "triggerData", l.actions_executed AS "steps", l.last_seq AS "lastSeq",
              coalesce(v.definition, w.definition) AS definition
         FROM automation_execution_logs l
         LEFT JOIN automation_workflows w ON w.id = l.workflow_id AND w.organization_id = l.organization_id
         LEFT JOIN automation_workflow_versions v ON v.id = l.version_id
        WHERE l.id = $1 AND l.organization_id = $2`,
      [id, p.organizationId],
    );
    const row = r.rows[0] as Record<string, unknown> | undefined;
    if (!row) throw notFound('execution');
    const [deliveries, timers] = await Promise.all([
      this.deps.pool.query(
        `SELECT step_key AS "stepKey", channel, status, attempts, provider_message_id AS "providerMessageId", error, updated_at AS "updatedAt"
           FROM automation_deliveries WHERE execution_id = $1 AND organization_id = $2 ORDER BY created_at`,
        [id, p.organizationId],
      ),
      this.deps.pool.query(
        `SELECT id, due_at AS "dueAt", command->>'reason' AS reason FROM automation_timers WHERE execution_id = $1 AND organization_id = $2 AND fired_at IS NULL ORDER BY due_at`,
        [id, p.organizationId],
      ),
    ]);
    return { ...row, definition: redactWorkflowSecrets(row.definition), deliveries: deliveries.rows, pendingTimers: timers.rows };
  }

  private async ref(p: Principal, id: string): Promise<{ log: LogRow; ref: ExecutionRef }> {
    const r = await this.deps.pool.query<LogRow & { version: number | null }>(
      `SELECT l.id, l.organization_id AS "organizationId", l.workflow_id AS "workflowId", l.version_id AS "versionId", l.status, l.trigger_type AS "triggerType",
              l.trigger_data AS "triggerData", l.last_seq AS "lastSeq", l.triggered_at AS "triggeredAt", l.started_at AS "startedAt",
              coalesce(v.version, w.current_version) AS version
         FROM automation_execution_logs l
         LEFT JOIN automation_workflow_versions v ON v.id = l.version_id
         LEFT JOIN automation_workflows w ON w.id = l.workflow_id
        WHERE l.id = $1 AND l.organization_id = $2`,
      [id, p.organizationId],
    );
    const log = r.rows[0];
    if (!log) throw notFound('execution');
    return { log, ref: { id: log.id, organizationId: log.organizationId, workflowId: log.workflowId, versionId: log.versionId, version: Math.max(1, log.version ?? 1) } };
  }

  @Post(':id/retry')
  @HttpCode(202)
  @Doc({ summary: 'Retry a failed execution from where it failed (a resume command, reason manual_retry)', role: 'editor' })
  async retry(@Caller() p: Principal, @Param('id', idOr404('execution')) id: string): Promise<unknown> {
    const { log, ref } = await this.ref(p, id);
    if (log.status !== 'failed') throw new ApiError('conflict', `only a failed execution can be retried; this one is ${log.status}`);
    const [timer, progress] = await Promise.all([
      this.deps.pool.query<{ command: unknown }>(
        `SELECT command FROM automation_timers WHERE execution_id = $1 AND organization_id = $2 AND command->>'kind' = 'resume'
          ORDER BY (command->'continuation'->>'steps')::int DESC, (command->'continuation'->>'attempt')::int DESC LIMIT 1`,
        [id, p.organizationId],
      ),
      this.deps.pool.query<{ progress: string }>('SELECT progress FROM automation_executions WHERE id = $1 AND organization_id = $2', [id, p.organizationId]),
    ]);
    const parsedLast = timer.rows[0] ? Command.safeParse(timer.rows[0].command) : null;
    const last = parsedLast?.success && parsedLast.data.kind === 'resume' ? (parsedLast.data) : null;
    let rebuilt = null;
    if (!last) {
      const defRow = await this.deps.pool.query<{ definition: unknown }>(
        `SELECT coalesce((SELECT definition FROM automation_workflow_versions WHERE id = $1 AND organization_id = $3), (SELECT definition FROM automation_workflows WHERE id = $2 AND organization_id = $3)) AS definition`,
        [log.versionId, log.workflowId, p.organizationId],
      );
      const definition = WorkflowDefinition.safeParse(defRow.rows[0]?.definition);
      const triggerType = TriggerType.safeParse(log.triggerType);
      if (!definition.success || !triggerType.success) throw new ApiError('conflict', 'this execution cannot be retried: its workflow version is gone or invalid');
      const ev = rebuildEvent({
        organizationId: p.organizationId,
        workflowId: log.workflowId,
        triggerType: triggerType.data,
        triggerData: log.triggerData,
        triggeredAt: log.triggeredAt ? new Date(log.triggeredAt).toISOString() : null,
        after: null,
        now: new Date(),
      });
      rebuilt = { definition: definition.data, event: ev, context: (await loadContexts(this.deps.pool, [ev]))[0]!, startedAt: log.startedAt ? new Date(log.startedAt).toISOString() : null };
    }
    const cmd = manualRetryCommand({ execution: ref, last, rebuilt, recordedProgress: Number(progress.rows[0]?.progress ?? 0), lastSeq: log.lastSeq, now: new Date() });
    await this.deps.publisher.send(TOPICS.commands, cmd.executionId, JSON.stringify(cmd));
    return { executionId: id, commandId: cmd.commandId, from: last ? 'last_continuation' : 'trigger', cursor: cmd.continuation.cursor };
  }

  @Post(':id/cancel')
  @HttpCode(202)
  @Doc({ summary: 'Cancel a running or waiting execution (pending timers are dropped)', role: 'editor' })
  async cancel(@Caller() p: Principal, @Param('id', idOr404('execution')) id: string): Promise<unknown> {
    const { log, ref } = await this.ref(p, id);
    if (!CANCELLABLE.includes(log.status)) throw new ApiError('conflict', `only a running or waiting execution can be cancelled; this one is ${log.status}`);
    const cmd = cancelCommand(ref, p.actor, new Date());
    await this.deps.publisher.send(TOPICS.commands, cmd.executionId, JSON.stringify(cmd));
    return { executionId: id, commandId: cmd.commandId };
  }
}
