import type { Pool } from 'pg';
import type { ExecutionStatus, ExecutionSummary } from '@fixlify/contracts';
import { notFound } from '../http/errors';
import { isoOrNull, iso } from '../http/iso';
import type { ExecutionRef } from './commands';

/** The execution log's columns as the list and the detail show them (joined with the workflow and its version). */
export const LIST_COLUMNS = `l.id, l.workflow_id AS "workflowId", w.name AS "workflowName", l.version_id AS "versionId", v.version, l.status, l.trigger_type AS "triggerType",
  l.error_message AS "errorMessage", l.retry_count AS "retryCount", jsonb_array_length(l.actions_executed) AS "stepCount",
  l.triggered_at AS "triggeredAt", l.started_at AS "startedAt", l.completed_at AS "completedAt", l.execution_time_ms AS "executionTimeMs",
  coalesce((l.trigger_data->>'testRun')::boolean, false) AS "testRun", l.replay_id AS "replayId",
  (SELECT r.mode FROM automation_replays r WHERE r.id = l.replay_id) AS "replayMode", l.updated_at AS "updatedAt"`;

type Times = 'triggeredAt' | 'startedAt' | 'completedAt' | 'updatedAt';
/** A row of LIST_COLUMNS as pg reads it (timestamps as Date) */
export type ExecutionRow = Omit<ExecutionSummary, Times> & { triggeredAt: Date | null; startedAt: Date | null; completedAt: Date | null; updatedAt: Date };

export const toExecutionSummary = <R extends ExecutionRow>(r: R): Omit<R, Times> & Pick<ExecutionSummary, Times> => ({
  ...r,
  triggeredAt: isoOrNull(r.triggeredAt),
  startedAt: isoOrNull(r.startedAt),
  completedAt: isoOrNull(r.completedAt),
  updatedAt: iso(r.updatedAt),
});

/** What a retry or a cancel needs of an execution's log */
export interface LogRow {
  id: string;
  organizationId: string;
  workflowId: string;
  versionId: string;
  status: ExecutionStatus;
  triggerType: string | null;
  triggerData: Record<string, unknown>;
  lastSeq: number;
  triggeredAt: Date | null;
  startedAt: Date | null;
}

/** The log of one of the organization's executions, and the reference its commands carry (404 when it is not the caller's). */
export const loadExecution = async (pool: Pool, organizationId: string, id: string): Promise<{ log: LogRow; ref: ExecutionRef }> => {
  const r = await pool.query<LogRow & { version: number | null }>(
    `SELECT l.id, l.organization_id AS "organizationId", l.workflow_id AS "workflowId", l.version_id AS "versionId", l.status, l.trigger_type AS "triggerType",
            l.trigger_data AS "triggerData", l.last_seq AS "lastSeq", l.triggered_at AS "triggeredAt", l.started_at AS "startedAt",
            coalesce(v.version, w.current_version) AS version
       FROM automation_execution_logs l
       LEFT JOIN automation_workflow_versions v ON v.id = l.version_id
       LEFT JOIN automation_workflows w ON w.id = l.workflow_id
      WHERE l.id = $1 AND l.organization_id = $2`,
    [id, organizationId],
  );
  const log = r.rows[0];
  if (!log) throw notFound('execution');
  return {
    log,
    ref: { id: log.id, organizationId: log.organizationId, workflowId: log.workflowId, versionId: log.versionId, version: Math.max(1, log.version ?? 1) },
  };
};
