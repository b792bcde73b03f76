import type { Pool, PoolClient } from 'pg';
import { randomBytes } from 'node:crypto';
import { withTransaction } from './transaction';

type Db = Pool | PoolClient;

export interface PublishedVersion {
  workflowId: string;
  versionId: string;
  version: number;
}

/**
 * Publishes a workflow's definition as a new immutable version and makes it the one that runs,
 * in one transaction. The workflow row carries a copy of the published definition, so its CDC
 * event alone tells the matcher everything (see ingest's workflow publication).
 * The definition must already be validated (libs/workflow validateWorkflow).
 */
export const publishWorkflowVersion = async (
  pool: Pool,
  p: { workflowId: string; organizationId: string; definition: Record<string, unknown>; triggerType: string; publishedBy?: string; activate?: boolean },
): Promise<PublishedVersion> => {
  return withTransaction(pool, async (client) => {
    const cur = await client.query<{ current_version: number }>(
      'SELECT current_version FROM automation_workflows WHERE id = $1 AND organization_id = $2 FOR UPDATE',
      [p.workflowId, p.organizationId],
    );
    const row = cur.rows[0];
    if (!row) throw new Error(`workflow ${p.workflowId} not found`);
    const version = row.current_version + 1;
    const ver = await client.query<{ id: string }>(
      `INSERT INTO automation_workflow_versions (workflow_id, organization_id, version, trigger_type, definition, published_by)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [p.workflowId, p.organizationId, version, p.triggerType, JSON.stringify(p.definition), p.publishedBy ?? null],
    );
    const versionId = ver.rows[0]!.id;
    const settings = (p.definition.settings ?? {}) as { reenrollment?: string };
    await client.query(
      `UPDATE automation_workflows SET current_version = $3, published_version_id = $4, published_definition = $5, trigger_type = $6,
         definition = $5, reenrollment = $7,
         is_active = CASE WHEN $8::boolean IS NULL THEN is_active ELSE $8 END,
         activated_at = CASE WHEN $8::boolean AND NOT is_active THEN now() ELSE activated_at END,
         status = CASE WHEN coalesce($8::boolean, is_active) THEN 'active' ELSE 'inactive' END, updated_at = now()
       WHERE id = $1 AND organization_id = $2`,
      [
        p.workflowId,
        p.organizationId,
        version,
        versionId,
        JSON.stringify(p.definition),
        p.triggerType,
        settings.reenrollment ?? 'every_time',
        p.activate ?? null,
      ],
    );
    return { workflowId: p.workflowId, versionId, version };
  });
};

export const createWorkflowDraft = async (
  db: Db,
  /** `id`: chosen by the caller when the definition depends on it (secrets sealed for this workflow) */
  p: {
    id?: string;
    organizationId: string;
    name: string;
    description?: string;
    definition: Record<string, unknown>;
    triggerType: string | null;
    templateId?: string;
    createdBy?: string;
  },
): Promise<string> => {
  const res = await db.query<{ id: string }>(
    `INSERT INTO automation_workflows (id, organization_id, name, description, definition, trigger_type, template_id, created_by, webhook_secret)
     VALUES (coalesce($9::uuid, gen_random_uuid()), $1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      p.organizationId,
      p.name,
      p.description ?? null,
      JSON.stringify(p.definition),
      p.triggerType,
      p.templateId ?? null,
      p.createdBy ?? null,
      randomBytes(24).toString('base64url'),
      p.id ?? null,
    ],
  );
  return res.rows[0]!.id;
};

export const setWorkflowActive = async (db: Db, p: { workflowId: string; organizationId: string; active: boolean }): Promise<boolean> => {
  const res = await db.query(
    `UPDATE automation_workflows SET is_active = $3, status = CASE WHEN $3 THEN 'active' ELSE 'inactive' END, updated_at = now(),
       activated_at = CASE WHEN $3 AND NOT is_active THEN now() ELSE activated_at END
      WHERE id = $1 AND organization_id = $2 AND ($3 = false OR published_version_id IS NOT NULL)`,
    [p.workflowId, p.organizationId, p.active],
  );
  return res.rowCount === 1;
};
