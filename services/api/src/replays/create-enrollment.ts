import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { isEnrollableTrigger, type CreateEnrollmentBody, type ReplayView, type TriggerType } from '@fixlify/contracts';
import { createReplay } from '@fixlify/db';
import { ApiError, notFound } from '../http/errors';
import { replayView } from './replay-view';

/**
 * Records an enrollment job (mode `enroll`, or `enroll_dry_run` to count) for the version of the
 * workflow that runs now; the replay service works it. The job's range ends at its cutoff: the
 * workflow's activation (records that met the trigger later are the live path's — the matcher's and
 * the clock's), or now for a workflow switched off (a dry run before switching it on). Starting
 * executions needs the workflow on; a trigger that is not about records has nothing to enroll.
 */
export const createEnrollmentJob = async (
  pool: Pool,
  p: { organizationId: string; userId: string | null; workflowId: string; body: CreateEnrollmentBody; maxActive: number; now: Date },
): Promise<ReplayView> => {
  const res = await pool.query<{
    version_id: string | null;
    version: number | null;
    trigger_type: TriggerType | null;
    is_active: boolean;
    activated_at: Date | null;
  }>(
    `SELECT v.id AS version_id, v.version, v.trigger_type, w.is_active, greatest(v.published_at, w.activated_at) AS activated_at
       FROM automation_workflows w LEFT JOIN automation_workflow_versions v ON v.id = w.published_version_id
      WHERE w.id = $1 AND w.organization_id = $2`,
    [p.workflowId, p.organizationId],
  );
  const w = res.rows[0];
  if (!w) throw notFound('workflow');
  if (!w.version_id || w.version === null || !w.trigger_type)
    throw new ApiError('conflict', 'the workflow has never been published: publish it before enrolling records');
  if (!isEnrollableTrigger(w.trigger_type))
    throw new ApiError('conflict', `a ${w.trigger_type} trigger is not about records: there are no existing records to enroll`);
  if (!p.body.dryRun && !w.is_active)
    throw new ApiError('conflict', 'the workflow is switched off: switch it on before enrolling records (a dry run counts them)');
  const cutoff = w.is_active && w.activated_at ? new Date(Math.min(w.activated_at.getTime(), p.now.getTime())) : p.now;
  const job = await createReplay(
    pool,
    {
      id: randomUUID(),
      organizationId: p.organizationId,
      workflowId: p.workflowId,
      versionId: w.version_id,
      version: w.version,
      mode: p.body.dryRun ? 'enroll_dry_run' : 'enroll',
      force: false,
      from: new Date(0),
      to: cutoff,
      filters: {},
      ratePerSecond: p.body.ratePerSecond,
      createdBy: p.userId,
    },
    p.maxActive,
  );
  if (!job)
    throw new ApiError('conflict', `the organization already has ${p.maxActive} unfinished replays or enrollments: wait for one to finish, or abort one`);
  return replayView(job);
};
