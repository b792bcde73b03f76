import type { Pool } from 'pg';
import { redactWorkflowSecrets } from '@fixlify/channels';
import type { WorkflowVersion, WorkflowVersionList } from '@fixlify/contracts';
import { iso } from '../http/iso';
import { getWorkflow } from './workflow-queries';

type VersionRow = Omit<WorkflowVersion, 'publishedAt'> & { publishedAt: Date };

/** GET /api/workflows/:id/versions: the published versions, newest first, steps' secrets as the placeholder. */
export const listWorkflowVersions = async (pool: Pool, organizationId: string, id: string): Promise<WorkflowVersionList> => {
  await getWorkflow(pool, organizationId, id);
  const r = await pool.query<VersionRow>(
    `SELECT id, version, trigger_type AS "triggerType", definition, published_by AS "publishedBy", published_at AS "publishedAt"
       FROM automation_workflow_versions WHERE workflow_id = $1 AND organization_id = $2 ORDER BY version DESC`,
    [id, organizationId],
  );
  return { items: r.rows.map((v) => ({ ...v, definition: redactWorkflowSecrets(v.definition), publishedAt: iso(v.publishedAt) })) };
};
