import type { Pool } from 'pg';

export interface InboundWorkflow {
  id: string;
  organizationId: string;
  active: boolean;
  triggerType: string | null;
  webhookSecret: string | null;
  /** last publish, activation or rename (see waitUntilIndexed) */
  changedAt: Date;
}

/**
 * The workflow an inbound trigger (a manual run from the API, a webhook on ingest) names; it starts
 * only if active with a published version. The caller checks the organization.
 */
export const findWorkflow = async (pool: Pool, workflowId: string): Promise<InboundWorkflow | null> => {
  const res = await pool.query<{ organization_id: string; active: boolean; trigger_type: string | null; webhook_secret: string | null; changed_at: Date }>(
    `SELECT w.organization_id, (w.is_active AND w.published_version_id IS NOT NULL) AS active, w.trigger_type, w.webhook_secret,
            greatest(v.published_at, w.updated_at) AS changed_at
       FROM automation_workflows w LEFT JOIN automation_workflow_versions v ON v.id = w.published_version_id
      WHERE w.id = $1`,
    [workflowId],
  );
  const r = res.rows[0];
  return r
    ? {
        id: workflowId,
        organizationId: r.organization_id,
        active: r.active,
        triggerType: r.trigger_type,
        webhookSecret: r.webhook_secret,
        changedAt: r.changed_at,
      }
    : null;
};

/**
 * Matchers learn of a workflow from its CDC a moment after it was published or activated; an event
 * aimed at it before then would start nothing. A call that comes that early waits out the rest of
 * the grace period (at most graceMs) before its event is emitted. The one rule for every trigger
 * aimed at one workflow: ingest's clock and webhook triggers and the API's manual runs.
 */
export const waitUntilIndexed = async (wf: InboundWorkflow, graceMs: number, now: Date): Promise<void> => {
  const wait = wf.changedAt.getTime() + graceMs - now.getTime();
  if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, graceMs)));
};
