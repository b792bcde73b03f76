import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { CreateReplayBody, ReplayView } from '@fixlify/contracts';
import { createReplay } from '@fixlify/db';
import { ApiError, notFound } from '../http/errors';
import { replayView } from './replay-view';

/**
 * Records a replay job for the caller's organization; the replay service picks it up. The version
 * is the published one named, or the one that runs now; a workflow never published has no history
 * to replay. A range ending in the future is cut at now (later events are live traffic).
 */
export const createReplayJob = async (
  pool: Pool,
  p: { organizationId: string; userId: string | null; workflowId: string; body: CreateReplayBody; maxActive: number; now: Date },
): Promise<ReplayView> => {
  const wf = await pool.query<{ published_version_id: string | null }>(
    `SELECT published_version_id FROM automation_workflows WHERE id = $1 AND organization_id = $2`,
    [p.workflowId, p.organizationId],
  );
  if (!wf.rows[0]) throw notFound('workflow');
  const version = await pool.query<{ id: string; version: number }>(
    p.body.version !== undefined
      ? `SELECT id, version FROM automation_workflow_versions WHERE workflow_id = $1 AND organization_id = $2 AND version = $3`
      : `SELECT v.id, v.version FROM automation_workflow_versions v JOIN automation_workflows w ON w.published_version_id = v.id WHERE w.id = $1 AND w.organization_id = $2`,
    p.body.version !== undefined ? [p.workflowId, p.organizationId, p.body.version] : [p.workflowId, p.organizationId],
  );
  const v = version.rows[0];
  if (!v)
    throw p.body.version !== undefined
      ? notFound(`version ${p.body.version} of the workflow`)
      : new ApiError('conflict', 'the workflow has never been published: publish it before replaying history through it');
  const from = new Date(p.body.from);
  const to = new Date(Math.min(new Date(p.body.to).getTime(), p.now.getTime()));
  if (from >= to) throw new ApiError('validation_failed', 'the range lies in the future: nothing has happened in it yet', { path: ['from'] });
  const job = await createReplay(
    pool,
    {
      id: randomUUID(),
      organizationId: p.organizationId,
      workflowId: p.workflowId,
      versionId: v.id,
      version: v.version,
      mode: p.body.mode,
      force: p.body.force,
      from,
      to,
      filters: p.body.filters,
      ratePerSecond: p.body.ratePerSecond,
      createdBy: p.userId,
    },
    p.maxActive,
  );
  if (!job) throw new ApiError('conflict', `the organization already has ${p.maxActive} unfinished replays: wait for one to finish, or abort one`);
  return replayView(job);
};
