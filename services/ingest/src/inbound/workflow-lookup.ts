import type { Pool } from 'pg';

export interface InboundWorkflow {
  id: string;
  organizationId: string;
  active: boolean;
  triggerType: string | null;
  webhookSecret: string | null;
}

/** The workflow an inbound trigger names; it starts only if active with a published version. */
export const findWorkflow = async (pool: Pool, workflowId: string): Promise<InboundWorkflow | null> => {
  const res = await pool.query<{ organization_id: string; active: boolean; trigger_type: string | null; webhook_secret: string | null }>(
    `SELECT organization_id, (is_active AND published_version_id IS NOT NULL) AS active, trigger_type, webhook_secret
       FROM automation_workflows WHERE id = $1`,
    [workflowId],
  );
  const r = res.rows[0];
  return r ? { id: workflowId, organizationId: r.organization_id, active: r.active, triggerType: r.trigger_type, webhookSecret: r.webhook_secret } : null;
};
