import type { Pool } from 'pg';
import type { PreviewReport, PreviewTotals, RunnableStart, StartCommand } from '@fixlify/contracts';
import { loadContexts, type ExecutionContext } from '@fixlify/db';
import { addToPreview, foldSimulation, simulateExecution, suppressionReason, type SimulatedExecution, type SimulationReads } from '@fixlify/engine';

/** Simulations of one chunk run this many at a time (each waits on a few read-only queries). */
const SIMULATION_CONCURRENCY = 16;

/** The read-only queries a simulated action makes: the executor's own consent rule, and push subscriptions. */
export const simulationReads = (pool: Pool): SimulationReads => ({
  suppressionReason: (organizationId, channel, address, ctx) => suppressionReason(pool, organizationId, channel, address, ctx),
  pushSubscriptions: async (organizationId, userRef) => {
    const r = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM push_subscriptions WHERE organization_id = $1 AND user_ref = $2', [
      organizationId,
      userRef,
    ]);
    return r.rows[0]?.n ?? 0;
  },
});

/**
 * The context the executor would load for each start's event (the records as they are now: a real
 * run started now sees the same), in one round trip for every start of a chunk — the previewed
 * workflow's and the compared version's share their events.
 */
export const loadStartContexts = async (pool: Pool, starts: readonly StartCommand[]): Promise<Map<string, ExecutionContext>> => {
  const events = [...new Map(starts.map((s) => [s.event.eventId, s.event])).values()];
  if (events.length === 0) return new Map();
  const contexts = await loadContexts(pool, events);
  return new Map(events.map((e, i) => [e.eventId, contexts[i]!]));
};

/**
 * Runs a chunk's starts through the engine with simulated actions, from now. Results come back in
 * the order of `starts`, so samples do not depend on timing.
 */
export const simulateStarts = async (
  reads: SimulationReads,
  starts: readonly RunnableStart[],
  contexts: ReadonlyMap<string, ExecutionContext>,
  now: Date,
): Promise<SimulatedExecution[]> => {
  const out: SimulatedExecution[] = new Array(starts.length);
  for (let i = 0; i < starts.length; i += SIMULATION_CONCURRENCY) {
    const slice = starts.slice(i, i + SIMULATION_CONCURRENCY);
    const sims = await Promise.all(slice.map((s) => simulateExecution(s, contexts.get(s.event.eventId)!, reads, now)));
    sims.forEach((sim, j) => (out[i + j] = sim));
  }
  return out;
};

/** Adds a chunk's simulated starts into the report (samples: the first executions in scan order). */
export const addChunkToPreview = (report: PreviewReport, starts: readonly StartCommand[], sims: readonly SimulatedExecution[]): void => {
  starts.forEach((s, i) => addToPreview(report, s, sims[i]!));
};

/** Adds a chunk's simulated starts of the version compared with. */
export const addChunkToTotals = (totals: PreviewTotals, sims: readonly SimulatedExecution[]): void => {
  for (const sim of sims) foldSimulation(totals, sim);
};
