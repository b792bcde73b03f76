import type { Pool } from 'pg';
import { TriggerType, type ReenrollmentPolicy, type WorkflowDetail, type WorkflowSummary } from '@fixlify/contracts';
import { notFound } from '../http/errors';
import { iso, isoOrNull } from '../http/iso';

/** A row of WORKFLOW_COLUMNS as pg reads it (timestamps as Date); archived rows are never selected. */
export interface WorkflowRow extends Omit<WorkflowSummary, 'lastTriggeredAt' | 'createdAt' | 'updatedAt'> {
  lastTriggeredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WorkflowDetailRow extends WorkflowRow {
  definition: Record<string, unknown>;
  publishedDefinition: Record<string, unknown> | null;
  webhookSecret: string | null;
  reenrollment: ReenrollmentPolicy;
}

export const WORKFLOW_COLUMNS = `id, name, description, status, is_active AS "isActive", trigger_type AS "triggerType", current_version AS "currentVersion",
  published_version_id AS "publishedVersionId", template_id AS "templateId", execution_count AS "executionCount", success_count AS "successCount",
  failure_count AS "failureCount", last_triggered_at AS "lastTriggeredAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

export const toWorkflowSummary = <R extends WorkflowRow>(
  r: R,
): Omit<R, 'lastTriggeredAt' | 'createdAt' | 'updatedAt'> & Pick<WorkflowSummary, 'lastTriggeredAt' | 'createdAt' | 'updatedAt'> => ({
  ...r,
  lastTriggeredAt: isoOrNull(r.lastTriggeredAt),
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});

/** Every read is scoped to the caller's organization; archived workflows are gone for the API. */
export const getWorkflow = async (pool: Pool, organizationId: string, id: string): Promise<WorkflowDetail> => {
  const r = await pool.query<WorkflowDetailRow>(
    `SELECT ${WORKFLOW_COLUMNS}, definition, published_definition AS "publishedDefinition", webhook_secret AS "webhookSecret", reenrollment
       FROM automation_workflows WHERE id = $1 AND organization_id = $2 AND status <> 'archived'`,
    [id, organizationId],
  );
  const w = r.rows[0];
  if (!w) throw notFound('workflow');
  return toWorkflowSummary(w);
};

/** The trigger type of a (possibly unfinished) draft, when its trigger node names a known one. */
export const draftTriggerType = (definition: { nodes?: unknown }): string | null => {
  const nodes = Array.isArray(definition.nodes) ? (definition.nodes as { type?: unknown; trigger?: { type?: unknown } }[]) : [];
  const t = nodes.find((n) => n?.type === 'trigger')?.trigger?.type;
  return TriggerType.safeParse(t).success ? (t as string) : null;
};
