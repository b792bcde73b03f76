import type { Pool } from 'pg';
import type { WorkflowList, WorkflowListQuery } from '@fixlify/contracts';
import { toWorkflowSummary, WORKFLOW_COLUMNS, type WorkflowRow } from './workflow-queries';

/** GET /api/workflows: the organization's workflows (not archived), recently changed first. */
export const listWorkflows = async (pool: Pool, organizationId: string, q: WorkflowListQuery): Promise<WorkflowList> => {
  const r = await pool.query<WorkflowRow>(
    `SELECT ${WORKFLOW_COLUMNS} FROM automation_workflows
      WHERE organization_id = $1 AND status <> 'archived' AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR trigger_type = $3)
      ORDER BY updated_at DESC LIMIT 500`,
    [organizationId, q.status ?? null, q.trigger ?? null],
  );
  return { items: r.rows.map(toWorkflowSummary) };
};
