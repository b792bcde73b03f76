import type { Pool } from 'pg';
import type { ReplayView } from '@fixlify/contracts';
import { controlReplay, getReplay, type ReplayControl } from '@fixlify/db';
import { ApiError, notFound } from '../http/errors';
import { replayView } from './replay-view';

/** Pause, resume or abort a replay of the caller's organization; a control that does not apply to its status is a 409 that says why. */
export const controlReplayJob = async (pool: Pool, organizationId: string, id: string, control: ReplayControl): Promise<ReplayView> => {
  const done = await controlReplay(pool, organizationId, id, control);
  if (done) return replayView(done);
  const job = await getReplay(pool, organizationId, id);
  if (!job) throw notFound('replay');
  const pending = job.requested ? ` (a ${job.requested} is already requested)` : '';
  throw new ApiError('conflict', `cannot ${control} a replay that is ${job.status}${pending}`);
};
