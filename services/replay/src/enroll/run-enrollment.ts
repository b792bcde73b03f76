import {
  addReplayCounts,
  emptyReplayCounts,
  type EnrollPlan,
  type PublishedWorkflow,
  type ReplayCounts,
  type RunnableStart,
  type StartOrigin,
} from '@fixlify/contracts';
import { claimClockOccurrences, classifyReplayStarts, recordReplayStarts, saveEnrollProgress, withTransaction, type ReplayJob } from '@fixlify/db';
import { decideStart } from '@fixlify/workflow';
import { applyDedupe } from '../chunk';
import { LeaseLost, publishStarts } from '../lane';
import { Pacer } from '../pacer';
import type { RunnerDeps, SliceEnd } from '../runner';
import { countEnrollable, enrollTable, readEnrollable, triggerSpecOf, type EnrollableRecord, type EnrollScope } from './sources';

type Release = (status: 'running' | 'paused' | 'completed' | 'aborted' | 'failed', error?: string) => Promise<void>;

/** A chunk's starts, each with the record it enrolls (its clock claim and its age). */
interface Decided {
  starts: { command: RunnableStart; record: EnrollableRecord }[];
  counts: ReplayCounts;
}

/**
 * The records of a chunk → the starts they make: the live matcher's rule (decideStart: the trigger
 * filter, once per entity through the execution id), and each start carries `enrollment.asOf` so the
 * engine starts it at the step its age implies.
 */
export const decideRecords = (records: readonly EnrollableRecord[], s: EnrollScope, origin: StartOrigin, maxDepth: number): Decided => {
  const counts = emptyReplayCounts();
  const starts: Decided['starts'] = [];
  for (const record of records) {
    counts.scanned++;
    const d = decideStart(s.workflow, record.event, { maxDepth, now: s.now, origin });
    if (d.kind !== 'start') {
      counts.notMatched[d.reason] = (counts.notMatched[d.reason] ?? 0) + 1;
      continue;
    }
    counts.matched++;
    starts.push({ command: { ...d.command, enrollment: { asOf: record.asOf.toISOString() } }, record });
  }
  return { starts, counts };
};

/** Clock triggers: an occurrence claimed already (the clock fired it, or an earlier enrollment) starts nothing. */
const dropClaimed = (d: Decided, claimed: (r: EnrollableRecord) => boolean): RunnableStart[] => {
  const out: RunnableStart[] = [];
  for (const s of d.starts) {
    if (s.record.claim && claimed(s.record)) d.counts.skipped.already_claimed = (d.counts.skipped.already_claimed ?? 0) + 1;
    else out.push(s.command);
  }
  return out;
};

/**
 * Works one slice of an enrollment job (modes `enroll` and `enroll_dry_run`): reads the records
 * that meet the workflow's trigger now in id order from the cursor, decides each chunk, and in one
 * transaction claims the clock occurrences (so the clock never fires them), records the starts
 * (so a second enrollment or a crashed runner's successor starts nothing twice), publishes them on
 * the replay lane and moves the cursor with the counts. A dry run counts the same and writes only
 * its progress; it needs no memory of its own (one record is one entity), so it resumes anywhere.
 */
export const workEnrollment = async (
  d: RunnerDeps,
  claimed: ReplayJob,
  workflow: PublishedWorkflow,
  isLost: () => boolean,
  release: Release,
): Promise<SliceEnd> => {
  let job = claimed;
  const trigger = triggerSpecOf(workflow);
  const table = trigger ? enrollTable(trigger.type) : { error: 'the workflow has no trigger' };
  if (!trigger || 'error' in table) {
    await release('failed', 'error' in table ? table.error : 'the workflow has no trigger');
    return 'failed';
  }
  const org = await d.pool.query<{ time_zone: string }>(`SELECT time_zone FROM organizations WHERE id = $1`, [job.organizationId]);
  const scope = (): EnrollScope => ({ workflow, trigger, timeZone: org.rows[0]?.time_zone ?? 'UTC', cutoff: job.to, now: d.now() });
  let plan: EnrollPlan;
  let counts: ReplayCounts;
  if (job.enrollPlan) {
    plan = job.enrollPlan;
    counts = job.counts;
  } else {
    plan = { table: table.table, cursor: null, total: await countEnrollable(d.pool, scope()), done: false };
    counts = emptyReplayCounts();
    if ((await saveEnrollProgress(d.pool, { id: job.id, owner: d.owner, leaseMs: d.leaseMs, plan, counts })) === 'lost') return 'lost';
  }
  const run = job.mode === 'enroll';
  const origin: StartOrigin = { kind: 'replay', replayId: job.id, force: false };
  const pacer = new Pacer(job.ratePerSecond);
  const chunkSize = run ? Math.min(1000, Math.max(50, job.ratePerSecond)) : 1000;
  const deadline = Date.now() + d.sliceMs;
  while (!plan.done) {
    if (isLost()) return 'lost';
    const s = scope();
    const records = await readEnrollable(d.pool, s, plan.cursor, chunkSize);
    const moved: EnrollPlan = { ...plan, cursor: records[records.length - 1]?.entityId ?? plan.cursor, done: records.length < chunkSize };
    const decided = decideRecords(records, s, origin, d.maxDepth);
    let requested: 'pause' | 'abort' | null | 'lost';
    if (run) {
      requested = await withTransaction(d.pool, async (db) => {
        const claims = decided.starts.flatMap((x) =>
          x.record.claim ? [{ entityId: x.record.entityId, occurrence: x.record.claim.occurrence, eventId: x.record.event.eventId }] : [],
        );
        const won = await claimClockOccurrences(db, workflow.workflowId, claims);
        const candidates = dropClaimed(decided, (r) => !won.has(`${r.entityId}|${r.claim!.occurrence}`));
        const known = await recordReplayStarts(
          db,
          job.id,
          candidates.map((c) => ({ executionId: c.executionId, eventId: c.event.eventId })),
        );
        const fresh = applyDedupe(candidates, decided.counts, known);
        await pacer.take(fresh.length);
        await publishStarts(d, fresh);
        const saved = await saveEnrollProgress(db, {
          id: job.id,
          owner: d.owner,
          leaseMs: d.leaseMs,
          plan: moved,
          counts: addReplayCounts(counts, decided.counts),
        });
        if (saved === 'lost') throw new LeaseLost();
        return saved.requested;
      }).catch((e: unknown) => {
        if (e instanceof LeaseLost) return 'lost' as const;
        throw e;
      });
    } else {
      const candidates = dropClaimed(decided, (r) => !r.claim!.unclaimed);
      const known = await classifyReplayStarts(
        d.pool,
        candidates.map((c) => c.executionId),
      );
      applyDedupe(candidates, decided.counts, { ...known, alreadyEnrolled: new Set() });
      const saved = await saveEnrollProgress(d.pool, {
        id: job.id,
        owner: d.owner,
        leaseMs: d.leaseMs,
        plan: moved,
        counts: addReplayCounts(counts, decided.counts),
      });
      requested = saved === 'lost' ? 'lost' : saved.requested;
    }
    if (requested === 'lost') return 'lost';
    d.onProgress?.();
    plan = moved;
    counts = addReplayCounts(counts, decided.counts);
    job = { ...job, enrollPlan: plan, counts };
    if (requested === 'pause') {
      await release('paused');
      return 'paused';
    }
    if (requested === 'abort') {
      await release('aborted');
      return 'aborted';
    }
    if (!plan.done && Date.now() >= deadline) {
      await release('running');
      return 'released';
    }
  }
  await release('completed');
  return 'completed';
};
