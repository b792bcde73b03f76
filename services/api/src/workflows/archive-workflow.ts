import type { Pool } from 'pg';
import type { OkResponse } from '@fixlify/contracts';
import { ApiError } from '../http/errors';

/** DELETE /api/workflows/:id: archived (and so inactive); its executions stay visible. */
export const archiveWorkflow = async (pool: Pool, organizationId: string, id: string): Promise<OkResponse> => {
  const r = await pool.query(
    `UPDATE automation_workflows SET status = 'archived', is_active = false, updated_at = now() WHERE id = $1 AND organization_id = $2 AND status <> 'archived'`,
    [id, organizationId],
  );
  if (r.rowCount !== 1) throw new ApiError('not_found', 'workflow not found');
  return { ok: true };
};
