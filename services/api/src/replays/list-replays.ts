import type { Pool } from 'pg';
import type { ListReplaysQuery, ReplayList, ReplayView } from '@fixlify/contracts';
import { getReplay, listReplays } from '@fixlify/db';
import { notFound } from '../http/errors';
import { replayView } from './replay-view';

/** GET /api/replays: the organization's replays, newest first (optionally of one workflow). */
export const listReplayJobs = async (pool: Pool, organizationId: string, q: ListReplaysQuery): Promise<ReplayList> => {
  const jobs = await listReplays(pool, organizationId, { ...(q.workflowId ? { workflowId: q.workflowId } : {}), limit: q.limit });
  return { replays: jobs.map(replayView) };
};

/** GET /api/replays/:id: one replay of the organization (404 otherwise). */
export const showReplayJob = async (pool: Pool, organizationId: string, id: string): Promise<ReplayView> => {
  const job = await getReplay(pool, organizationId, id);
  if (!job) throw notFound('replay');
  return replayView(job);
};
