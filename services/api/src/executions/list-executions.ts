import type { Pool } from 'pg';
import type { ExecutionList, ExecutionsQuery } from '@fixlify/contracts';
import { iso } from '../http/iso';
import { LIST_COLUMNS, toExecutionSummary, type ExecutionRow } from './execution-queries';

/**
 * GET /api/executions: newest first (by start, or creation before the start is known). A full page
 * names the `before` of the next one: the start of its last execution.
 */
export const listExecutions = async (pool: Pool, organizationId: string, q: ExecutionsQuery): Promise<ExecutionList> => {
  const r = await pool.query<ExecutionRow>(
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
        AND ($8::text IS NULL OR ($8 = 'replay') = (l.replay_id IS NOT NULL))
        AND ($9::uuid IS NULL OR l.replay_id = $9)
      ORDER BY coalesce(l.started_at, l.created_at) DESC, l.id
      LIMIT $7`,
    [
      organizationId,
      q.workflowId ?? null,
      q.status?.length ? q.status : null,
      q.from ?? null,
      q.to ?? null,
      q.before ?? null,
      q.limit,
      q.origin ?? null,
      q.replayId ?? null,
    ],
  );
  const last = r.rows[r.rows.length - 1];
  return { items: r.rows.map(toExecutionSummary), nextBefore: r.rows.length === q.limit && last?.startedAt ? iso(last.startedAt) : null };
};
