import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { CreateReplayBody, ReplayView } from '@fixlify/contracts';
import { createReplay } from '@fixlify/db';
import { ApiError, notFound } from '../http/errors';
import { runnableDraft } from '../workflows/runnable-draft';
import { replayView } from './replay-view';

/** A published version by number, or the one that runs now. */
const versionOf = async (
  pool: Pool,
  workflowId: string,
  organizationId: string,
  version: number | undefined,
): Promise<{ id: string; version: number } | null> => {
  const r = await pool.query<{ id: string; version: number }>(
    version !== undefined
      ? `SELECT id, version FROM automation_workflow_versions WHERE workflow_id = $1 AND organization_id = $2 AND version = $3`
      : `SELECT v.id, v.version FROM automation_workflow_versions v JOIN automation_workflows w ON w.published_version_id = v.id WHERE w.id = $1 AND w.organization_id = $2`,
    version !== undefined ? [workflowId, organizationId, version] : [workflowId, organizationId],
  );
  return r.rows[0] ?? null;
};

/**
 * Records a replay job for the caller's organization; the replay service picks it up. The version
 * is the published one named, or the one that runs now, or (a preview) the saved draft; a workflow
 * never published can only preview its draft. A range ending in the future is cut at now (later events are live traffic).
 */
export const createReplayJob = async (
  pool: Pool,
  p: { organizationId: string; userId: string | null; workflowId: string; body: CreateReplayBody; maxActive: number; now: Date },
): Promise<ReplayView> => {
  const wf = await pool.query<{ published_version_id: string | null; current_version: number; definition: unknown }>(
    `SELECT published_version_id, current_version, definition FROM automation_workflows WHERE id = $1 AND organization_id = $2`,
    [p.workflowId, p.organizationId],
  );
  const row = wf.rows[0];
  if (!row) throw notFound('workflow');
  let v: { id: string; version: number };
  let definition: Record<string, unknown> | null = null;
  if (p.body.draft) {
    // the draft as it is saved now, checked as publishing would; it would become the next version
    definition = runnableDraft(row.definition, 'previewing it');
    v = { id: randomUUID(), version: row.current_version + 1 };
  } else {
    const found = await versionOf(pool, p.workflowId, p.organizationId, p.body.version);
    if (!found)
      throw p.body.version !== undefined
        ? notFound(`version ${p.body.version} of the workflow`)
        : new ApiError('conflict', 'the workflow has never been published: publish it before replaying history through it, or preview its draft');
    v = found;
  }
  let compare: { versionId: string; version: number } | null = null;
  if (p.body.compareVersion !== undefined) {
    const found = await versionOf(pool, p.workflowId, p.organizationId, p.body.compareVersion);
    if (!found) throw notFound(`version ${p.body.compareVersion} of the workflow (to compare with)`);
    compare = { versionId: found.id, version: found.version };
  }
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
      definition,
      compare,
    },
    p.maxActive,
  );
  if (!job) throw new ApiError('conflict', `the organization already has ${p.maxActive} unfinished replays: wait for one to finish, or abort one`);
  return replayView(job);
};
