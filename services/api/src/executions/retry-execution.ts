import type { Pool } from 'pg';
import { Command, TOPICS, TriggerType, WorkflowDefinition, type RetryResult } from '@fixlify/contracts';
import { loadContexts } from '@fixlify/db';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import { manualRetryCommand, rebuildEvent } from './commands';
import { loadExecution, type LogRow } from './execution-queries';

/** The newest resume command a timer holds for the execution (the furthest continuation), if it still reads. */
const lastContinuation = async (pool: Pool, organizationId: string, id: string) => {
  const timer = await pool.query<{ command: unknown }>(
    `SELECT command FROM automation_timers WHERE execution_id = $1 AND organization_id = $2 AND command->>'kind' = 'resume'
      ORDER BY (command->'continuation'->>'steps')::int DESC, (command->'continuation'->>'attempt')::int DESC LIMIT 1`,
    [id, organizationId],
  );
  const parsed = timer.rows[0] ? Command.safeParse(timer.rows[0].command) : null;
  return parsed?.success && parsed.data.kind === 'resume' ? parsed.data : null;
};

/** A start rebuilt from the log: the version's definition, the trigger event and a freshly loaded context (409 when the version is gone or invalid). */
const rebuiltStart = async (pool: Pool, organizationId: string, log: LogRow, now: Date) => {
  const defRow = await pool.query<{ definition: unknown }>(
    `SELECT coalesce((SELECT definition FROM automation_workflow_versions WHERE id = $1 AND organization_id = $3), (SELECT definition FROM automation_workflows WHERE id = $2 AND organization_id = $3)) AS definition`,
    [log.versionId, log.workflowId, organizationId],
  );
  const definition = WorkflowDefinition.safeParse(defRow.rows[0]?.definition);
  const triggerType = TriggerType.safeParse(log.triggerType);
  if (!definition.success || !triggerType.success) throw new ApiError('conflict', 'this execution cannot be retried: its workflow version is gone or invalid');
  const event = rebuildEvent({
    organizationId,
    workflowId: log.workflowId,
    triggerType: triggerType.data,
    triggerData: log.triggerData,
    triggeredAt: log.triggeredAt ? new Date(log.triggeredAt).toISOString() : null,
    after: null,
    now,
  });
  return {
    definition: definition.data,
    event,
    context: (await loadContexts(pool, [event]))[0]!,
    startedAt: log.startedAt ? new Date(log.startedAt).toISOString() : null,
  };
};

/**
 * POST /api/executions/:id/retry: a failed execution goes on from where it failed — from its last
 * continuation when a timer still holds one, otherwise from its trigger, rebuilt from the log — as
 * a resume command (reason manual_retry) that the executor takes as progress.
 */
export const retryExecution = async (
  deps: Pick<ApiDeps, 'pool' | 'publisher'>,
  organizationId: string,
  id: string,
  now: () => Date = () => new Date(),
): Promise<RetryResult> => {
  const { log, ref } = await loadExecution(deps.pool, organizationId, id);
  if (log.status !== 'failed') throw new ApiError('conflict', `only a failed execution can be retried; this one is ${log.status}`);
  const [last, progress] = await Promise.all([
    lastContinuation(deps.pool, organizationId, id),
    deps.pool.query<{ progress: string }>('SELECT progress FROM automation_executions WHERE id = $1 AND organization_id = $2', [id, organizationId]),
  ]);
  const rebuilt = last ? null : await rebuiltStart(deps.pool, organizationId, log, now());
  const cmd = manualRetryCommand({
    execution: ref,
    last,
    rebuilt,
    recordedProgress: Number(progress.rows[0]?.progress ?? 0),
    lastSeq: log.lastSeq,
    now: now(),
  });
  await deps.publisher.send(TOPICS.commands, cmd.executionId, JSON.stringify(cmd));
  return { executionId: id, commandId: cmd.commandId, from: last ? 'last_continuation' : 'trigger', cursor: cmd.continuation.cursor };
};
