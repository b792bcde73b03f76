import { replayPlanProgress, type ReplayView } from '@fixlify/contracts';
import type { ReplayJob } from '@fixlify/db';

/** A replay job as the API shows it: counts, and progress over the planned offsets of the events topic. */
export const replayView = (j: ReplayJob): ReplayView => {
  return {
    id: j.id,
    workflowId: j.workflowId,
    versionId: j.versionId,
    version: j.version,
    mode: j.mode,
    force: j.force,
    from: j.from.toISOString(),
    to: j.to.toISOString(),
    filters: j.filters,
    ratePerSecond: j.ratePerSecond,
    status: j.status,
    requested: j.requested,
    error: j.error,
    counts: j.counts,
    draft: j.definition !== null,
    compareVersion: j.compare?.version ?? null,
    report: j.report,
    progress: j.plan ? replayPlanProgress(j.plan) : null,
    createdAt: j.createdAt.toISOString(),
    startedAt: j.startedAt?.toISOString() ?? null,
    finishedAt: j.finishedAt?.toISOString() ?? null,
    updatedAt: j.updatedAt.toISOString(),
  };
};
