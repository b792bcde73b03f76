import type { Pool } from 'pg';
import { TriggerType, type ReenrollmentPolicy } from '@fixlify/contracts';
import { notFound } from '../http/errors';

export interface WorkflowRow {
  id: string;
  name: string;
  description: string | null;
  status: string;
  isActive: boolean;
  triggerType: string | null;
  currentVersion: number;
  publishedVersionId: string | null;
  templateId: string | null;
  executionCount: number;
  successCount: number;
  failureCount: number;
  lastTriggeredAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface WorkflowDetail extends WorkflowRow {
  definition: Record<string, unknown>;
  publishedDefinition: Record<string, unknown> | null;
  webhookSecret: string | null;
  reenrollment: ReenrollmentPolicy;
}

export const WORKFLOW_COLUMNS = `id, name, description, status, is_active AS "isActive", trigger_type AS "triggerType", current_version AS "currentVersion",
  published_version_id AS "publishedVersionId", template_id AS "templateId", execution_count AS "executionCount", success_count AS "successCount",
  failure_count AS "failureCount", last_triggered_at AS "lastTriggeredAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** Every read is scoped to the caller's organization; archived workflows are gone for the API. */
export const getWorkflow = async (pool: Pool, organizationId: string, id: string): Promise<WorkflowDetail> => {
  const r = await pool.query<WorkflowDetail>(
    `SELECT ${WORKFLOW_COLUMNS}, definition, published_definition AS "publishedDefinition", webhook_secret AS "webhookSecret", reenrollment
       FROM automation_workflows WHERE id = $1 AND organization_id = $2 AND status <> 'archived'`,
    [id, organizationId],
  );
  const w = r.rows[0];
  if (!w) throw notFound('workflow');
  return w;
};

/** The trigger type of a (possibly unfinished) draft, when its trigger node names a known one. */
export const draftTriggerType = (definition: { nodes?: unknown }): string | null => {
  const nodes = Array.isArray(definition.nodes) ? (definition.nodes as { type?: unknown; trigger?: { type?: unknown } }[]) : [];
  const t = nodes.find((n) => n?.type === 'trigger')?.trigger?.type;
  return TriggerType.safeParse(t).success ? (t as string) : null;
};
