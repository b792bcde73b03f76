import type { Pool } from 'pg';
import { redactWorkflowSecrets } from '@fixlify/channels';
import type { ActionExecuted, ExecutionDelivery, ExecutionDetail, PendingTimer } from '@fixlify/contracts';
import { notFound } from '../http/errors';
import { iso } from '../http/iso';
import { LIST_COLUMNS, toExecutionSummary, type ExecutionRow } from './execution-queries';

type DetailRow = ExecutionRow & { triggerData: Record<string, unknown>; steps: ActionExecuted[]; lastSeq: number; definition: Record<string, unknown> | null };

/** GET /api/executions/:id: the step timeline, the ledger's deliveries and the timers still pending; the definition's secrets as the placeholder. */
export const showExecution = async (pool: Pool, organizationId: string, id: string): Promise<ExecutionDetail> => {
  const r = await pool.query<DetailRow>(
    `SELECT ${LIST_COLUMNS}, l.trigger_data AS "triggerData", l.actions_executed AS "steps", l.last_seq AS "lastSeq",
            coalesce(v.definition, w.definition) AS definition
       FROM automation_execution_logs l
       LEFT JOIN automation_workflows w ON w.id = l.workflow_id AND w.organization_id = l.organization_id
       LEFT JOIN automation_workflow_versions v ON v.id = l.version_id
      WHERE l.id = $1 AND l.organization_id = $2`,
    [id, organizationId],
  );
  const row = r.rows[0];
  if (!row) throw notFound('execution');
  const [deliveries, timers] = await Promise.all([
    pool.query<Omit<ExecutionDelivery, 'updatedAt'> & { updatedAt: Date }>(
      `SELECT step_key AS "stepKey", channel, status, attempts, provider_message_id AS "providerMessageId", error, updated_at AS "updatedAt"
         FROM automation_deliveries WHERE execution_id = $1 AND organization_id = $2 ORDER BY created_at`,
      [id, organizationId],
    ),
    pool.query<Omit<PendingTimer, 'dueAt'> & { dueAt: Date }>(
      `SELECT id, due_at AS "dueAt", command->>'reason' AS reason FROM automation_timers WHERE execution_id = $1 AND organization_id = $2 AND fired_at IS NULL ORDER BY due_at`,
      [id, organizationId],
    ),
  ]);
  return {
    ...toExecutionSummary(row),
    definition: redactWorkflowSecrets(row.definition),
    deliveries: deliveries.rows.map((d) => ({ ...d, updatedAt: iso(d.updatedAt) })),
    pendingTimers: timers.rows.map((t) => ({ ...t, dueAt: iso(t.dueAt) })),
  };
};
