import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Admin, Kafka } from 'kafkajs';
import {
  PublishedWorkflow,
  WorkflowDefinition,
  addReplayCounts,
  emptyPreviewReport,
  emptyReplayCounts,
  isEnrollmentMode,
  isUuid,
  type PreviewReport,
  type ReplayPlan,
  type RunnableStart,
} from '@fixlify/contracts';
import type { SimulationReads } from '@fixlify/engine';
import { triggerNode } from '@fixlify/workflow';
import {
  claimReplay,
  classifyReplayStarts,
  recordReplayStarts,
  releaseReplay,
  renewReplayLease,
  saveReplayProgress,
  withTransaction,
  type ReplayJob,
} from '@fixlify/db';
import { NO_SELF_RESTART, type Logger, type ResilientProducer } from '@fixlify/kafka';
import { applyDedupe, decideEvents, readChunk, type ChunkScope, type ScannedMessage } from './chunk';
import { buildPlan, planDone, RangeOutsideRetention } from './plan';
import { LeaseLost, publishStarts } from './lane';
import { Pacer } from './pacer';
import { workEnrollment } from './enroll/run-enrollment';
import { addChunkToPreview, addChunkToTotals, loadStartContexts, simulateStarts } from './preview';

export interface RunnerDeps {
  pool: Pool;
  kafka: Kafka;
  admin: () => Promise<Admin>;
  producer: ResilientProducer;
  log: Logger;
  owner: string;
  groupPrefix: string;
  eventsTopic: string;
  commandsTopic: string;
  sliceMs: number;
  leaseMs: number;
  maxDepth: number;
  maxBytesPerPartition: number;
  now: () => Date;
  /** read-only queries of the simulated actions of a preview */
  reads: SimulationReads;
  /** called after every chunk: the runner is working (a long dry run holds its job throughout) */
  onProgress?: () => void;
}

/** What a slice of work on a job ended with. */
export type SliceEnd = 'completed' | 'paused' | 'aborted' | 'released' | 'lost' | 'failed';

/**
 * Loads the workflow a replay runs, as the matcher would see it published: a stored version, or —
 * for a preview of a draft — the draft the job holds, under the job's version id (one no execution has).
 */
const loadWorkflow = async (
  pool: Pool,
  job: ReplayJob,
  ref: { versionId: string; version: number },
  draft: unknown = null,
): Promise<PublishedWorkflow | null> => {
  if (draft) {
    const r = await pool.query<{ name: string }>(`SELECT name FROM automation_workflows WHERE id = $1 AND organization_id = $2`, [
      job.workflowId,
      job.organizationId,
    ]);
    const def = WorkflowDefinition.safeParse(draft);
    const trigger = def.success ? triggerNode(def.data) : undefined;
    if (!r.rows[0] || !def.success || !trigger) return null;
    return PublishedWorkflow.parse({
      v: 1,
      workflowId: job.workflowId,
      organizationId: job.organizationId,
      name: r.rows[0].name,
      version: ref.version,
      versionId: ref.versionId,
      triggerType: trigger.trigger.type,
      definition: def.data,
      updatedAt: job.createdAt.toISOString(),
    });
  }
  const r = await pool.query<{ name: string; trigger_type: string; definition: unknown; published_at: Date }>(
    `SELECT w.name, v.trigger_type, v.definition, v.published_at FROM automation_workflow_versions v JOIN automation_workflows w ON w.id = v.workflow_id
      WHERE v.id = $1 AND v.workflow_id = $2 AND v.organization_id = $3`,
    [ref.versionId, job.workflowId, job.organizationId],
  );
  const row = r.rows[0];
  if (!row) return null;
  return PublishedWorkflow.parse({
    v: 1,
    workflowId: job.workflowId,
    organizationId: job.organizationId,
    name: row.name,
    version: ref.version,
    versionId: ref.versionId,
    triggerType: row.trigger_type,
    definition: row.definition,
    updatedAt: row.published_at.toISOString(),
  });
};

/**
 * Dry runs keep the once-per-entity dedupe of their own earlier chunks in memory (they write no
 * starts), for the previewed workflow and for the version compared with: a dry run resumed by a
 * process that lacks that memory starts its scan again from the beginning, so its counts and its
 * preview stay exact.
 */
const dryRunMemory = new Map<string, { enrolled: Set<string>; compareEnrolled: Set<string> }>();

/**
 * Works one job for one slice: plans it on first run, then scans its partitions from the cursor,
 * decides each chunk, records and publishes its starts (run mode) and moves the cursor with the
 * counts in one transaction, until the plan is done, an operator pauses or aborts, the slice ends
 * or the lease is lost.
 */
export const runSlice = async (d: RunnerDeps, claimed: ReplayJob): Promise<SliceEnd> => {
  // the lease is renewed for as long as the slice lasts — planning and joining a consumer group can
  // take seconds — so no other runner takes the job while this one works on it
  let lost = false;
  const renew = setInterval(
    () => {
      void renewReplayLease(d.pool, { id: claimed.id, owner: d.owner, leaseMs: d.leaseMs }).then(
        (held) => {
          if (!held) lost = true;
        },
        () => undefined,
      );
    },
    Math.max(500, Math.floor(d.leaseMs / 3)),
  );
  try {
    const end = await workSlice(d, claimed, () => lost);
    // a dry run's memory is only good while one process held the job throughout
    if (end === 'lost') dryRunMemory.delete(claimed.id);
    return end;
  } finally {
    clearInterval(renew);
  }
};

const workSlice = async (d: RunnerDeps, claimed: ReplayJob, isLost: () => boolean): Promise<SliceEnd> => {
  let job = claimed;
  const release = async (status: 'running' | 'paused' | 'completed' | 'aborted' | 'failed', error?: string): Promise<void> => {
    await releaseReplay(d.pool, { id: job.id, owner: d.owner, status, ...(error !== undefined ? { error } : {}) });
  };
  if (job.requested) {
    await release(job.requested === 'pause' ? 'paused' : 'aborted');
    return job.requested === 'pause' ? 'paused' : 'aborted';
  }
  const workflow = await loadWorkflow(d.pool, job, job, job.definition);
  if (!workflow) {
    await release('failed', job.definition ? 'the draft previewed is not a valid workflow' : `workflow version ${job.versionId} no longer exists`);
    return 'failed';
  }
  const compared = job.compare && job.mode === 'dry_run' ? await loadWorkflow(d.pool, job, job.compare) : null;
  if (job.compare && job.mode === 'dry_run' && !compared) {
    await release('failed', `version ${job.compare.version} to compare with no longer exists`);
    return 'failed';
  }
  // an enrollment reads the records' current state, not the events log
  if (isEnrollmentMode(job.mode)) return workEnrollment(d, job, workflow, isLost, release);
  let plan: ReplayPlan;
  let counts = job.counts;
  if (!job.plan) {
    try {
      plan = await buildPlan(await d.admin(), d.eventsTopic, job.from, job.to, d.now());
    } catch (e) {
      if (e instanceof RangeOutsideRetention) {
        await release('failed', e.message);
        return 'failed';
      }
      throw e;
    }
    counts = emptyReplayCounts();
  } else plan = job.plan;
  let memory = dryRunMemory.get(job.id) ?? null;
  let report: PreviewReport | null = job.mode === 'dry_run' ? (job.report ?? emptyPreviewReport(job.compare?.version ?? null)) : null;
  if (job.mode === 'dry_run' && !memory) {
    // a resumed dry run (or its first slice): from the start, with nothing counted
    plan = { ...plan, partitions: plan.partitions.map((p) => ({ ...p, next: p.start })) };
    counts = emptyReplayCounts();
    report = emptyPreviewReport(job.compare?.version ?? null);
    memory = { enrolled: new Set(), compareEnrolled: new Set() };
    dryRunMemory.set(job.id, memory);
  }
  if (planDone(plan)) {
    const saved = await saveReplayProgress(d.pool, { id: job.id, owner: d.owner, leaseMs: d.leaseMs, plan, counts, ...(report ? { report } : {}) });
    if (saved === 'lost') return 'lost';
    await release('completed');
    dryRunMemory.delete(job.id);
    return 'completed';
  }
  const scope: ChunkScope = {
    organizationId: job.organizationId,
    workflow,
    filters: job.filters,
    origin: { kind: 'replay', replayId: job.id, force: job.force },
    range: { from: job.from.getTime(), to: job.to.getTime() },
    maxDepth: d.maxDepth,
    now: d.now(),
  };
  const pacer = new Pacer(job.ratePerSecond);
  const chunkSize = job.mode === 'run' ? Math.min(2000, Math.max(100, job.ratePerSecond)) : 2000;
  // a dry run holds its job to the end: its dedupe memory lives in this process
  const sliceMs = job.mode === 'dry_run' ? Number.POSITIVE_INFINITY : d.sliceMs;
  const outcome = await scan(d, job, plan, chunkSize, sliceMs, isLost, async (partition, messages, nextOffset) => {
    // parsed once, decided for the workflow and (a comparison) the other version
    const read = readChunk(messages, scope);
    const decided = decideEvents(read, { ...scope, now: d.now() });
    const chunkCounts = decided.counts;
    const moved: ReplayPlan = { ...plan, partitions: plan.partitions.map((p) => (p.partition === partition ? { ...p, next: nextOffset } : p)) };
    let requested: 'pause' | 'abort' | null | 'lost';
    if (job.mode === 'run') {
      requested = await withTransaction(d.pool, async (db) => {
        const known = await recordReplayStarts(
          db,
          job.id,
          decided.starts.map((c) => ({ executionId: c.executionId, eventId: c.event.eventId })),
        );
        const fresh = applyDedupe(decided.starts, chunkCounts, known);
        await pacer.take(fresh.length);
        await publishStarts(d, fresh);
        const saved = await saveReplayProgress(db, {
          id: job.id,
          owner: d.owner,
          leaseMs: d.leaseMs,
          plan: moved,
          counts: addReplayCounts(counts, chunkCounts),
        });
        if (saved === 'lost') throw new LeaseLost();
        return saved.requested;
      }).catch((e: unknown) => {
        if (e instanceof LeaseLost) return 'lost' as const;
        throw e;
      });
    } else {
      const known = await classifyReplayStarts(
        d.pool,
        decided.starts.map((c) => c.executionId),
      );
      const mem = memory ?? { enrolled: new Set<string>(), compareEnrolled: new Set<string>() };
      const fresh = applyDedupe(decided.starts, chunkCounts, { ...known, alreadyEnrolled: mem.enrolled });
      // the preview: what the starts would do, simulated; the other version on the same events (its
      // existing executions are not subtracted: the comparison is of what each version does with them)
      const now = d.now();
      const next = structuredClone(report ?? emptyPreviewReport(null));
      let compareFresh: RunnableStart[] = [];
      if (compared && next.compare) {
        const other = decideEvents(read, { ...scope, workflow: compared, now });
        compareFresh = applyDedupe(other.starts, emptyReplayCounts(), {
          alreadyExecuted: new Set(),
          alreadyReplayed: new Set(),
          alreadyEnrolled: mem.compareEnrolled,
        });
      }
      const contexts = await loadStartContexts(d.pool, [...fresh, ...compareFresh]);
      addChunkToPreview(next, fresh, await simulateStarts(d.reads, fresh, contexts, now));
      if (next.compare) {
        next.compare.started += compareFresh.length;
        addChunkToTotals(next.compare.totals, await simulateStarts(d.reads, compareFresh, contexts, now));
      }
      const saved = await saveReplayProgress(d.pool, {
        id: job.id,
        owner: d.owner,
        leaseMs: d.leaseMs,
        plan: moved,
        counts: addReplayCounts(counts, chunkCounts),
        report: next,
      });
      requested = saved === 'lost' ? 'lost' : saved.requested;
      // remembered once counted: the memory holds exactly what the committed counts hold
      if (saved !== 'lost') {
        for (const c of fresh) mem.enrolled.add(c.executionId);
        for (const c of compareFresh) mem.compareEnrolled.add(c.executionId);
        report = next;
      }
    }
    d.onProgress?.();
    if (requested === 'lost') return 'lost';
    plan = moved;
    counts = addReplayCounts(counts, chunkCounts);
    job = { ...job, plan, counts, report };
    return requested ?? 'go';
  });
  switch (outcome) {
    case 'lost':
      return 'lost';
    case 'pause':
      await release('paused');
      return 'paused';
    case 'abort':
      await release('aborted');
      dryRunMemory.delete(job.id);
      return 'aborted';
    case 'done':
      await release('completed');
      dryRunMemory.delete(job.id);
      return 'completed';
    case 'slice':
      await release('running');
      return 'released';
  }
};

/**
 * Deletes the scan groups of finished jobs. Each slice's group is deleted when its scan ends, but a
 * slice whose runner died or lost its lease leaves its group behind — with the dead member in it until
 * the broker's session timeout, so it cannot be deleted at once. Run now and then (main.ts); a group
 * still holding a member is tried again at the next sweep. Returns the groups deleted.
 */
export const sweepScanGroups = async (d: Pick<RunnerDeps, 'admin' | 'pool' | 'groupPrefix' | 'log'>): Promise<string[]> => {
  const admin = await d.admin();
  const prefix = `${d.groupPrefix}-replay-`;
  const byJob = new Map<string, string[]>();
  for (const g of (await admin.listGroups()).groups) {
    if (!g.groupId.startsWith(prefix)) continue;
    const id = g.groupId.slice(prefix.length, prefix.length + 36);
    byJob.set(id, [...(byJob.get(id) ?? []), g.groupId]);
  }
  if (byJob.size === 0) return [];
  const open = await d.pool.query<{ id: string }>(
    `SELECT id::text FROM automation_replays WHERE id = ANY($1::uuid[]) AND status NOT IN ('completed','aborted','failed')`,
    [[...byJob.keys()].filter(isUuid)],
  );
  const running = new Set(open.rows.map((r) => r.id));
  const done = [...byJob].filter(([id]) => !running.has(id)).flatMap(([, groups]) => groups);
  const deleted: string[] = [];
  for (const g of done) {
    try {
      await admin.deleteGroups([g]);
      deleted.push(g);
    } catch {
      // still has a (dead) member: the next sweep
    }
  }
  if (deleted.length > 0) d.log.info({ groups: deleted }, `replay: deleted ${deleted.length} scan group(s) of finished jobs`);
  return deleted;
};

type ChunkVerdict = 'go' | 'pause' | 'abort' | 'lost';
type ScanEnd = 'done' | 'slice' | 'pause' | 'abort' | 'lost';

/**
 * Reads the plan's partitions from their cursors to their ends with a consumer group of the job's
 * own, positioned by committing the cursors before it joins (so no fetch can start anywhere else),
 * and hands each batch to `onChunk` in order. A partition whose cursor reaches its end is paused.
 * Kafka's transaction markers occupy offsets no message is delivered for: a batch that holds only
 * those still moves the cursor (kafkajs reports it as a batch emptied by filtering).
 */
const scan = async (
  d: RunnerDeps,
  job: ReplayJob,
  initial: ReplayPlan,
  chunkSize: number,
  sliceMs: number,
  isLost: () => boolean,
  onChunk: (partition: number, messages: ScannedMessage[], nextOffset: string) => Promise<ChunkVerdict>,
): Promise<ScanEnd> => {
  // a group of this slice alone: a member of an earlier slice (a runner killed, a lost lease) cannot be in it
  const groupId = `${d.groupPrefix}-replay-${job.id}-${randomUUID().slice(0, 8)}`;
  const pending = new Map(
    initial.partitions.filter((p) => BigInt(p.next) < BigInt(p.end)).map((p) => [p.partition, { next: BigInt(p.next), end: BigInt(p.end) }]),
  );
  if (pending.size === 0) return 'done';
  const admin = await d.admin();
  await admin.setOffsets({ groupId, topic: initial.topic, partitions: [...pending].map(([partition, p]) => ({ partition, offset: p.next.toString() })) });
  const consumer = d.kafka.consumer({ groupId, retry: NO_SELF_RESTART, maxBytesPerPartition: d.maxBytesPerPartition, sessionTimeout: 30_000 });
  let end: ScanEnd | null = null;
  let failure: unknown = null;
  const deadline = Date.now() + sliceMs;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((r) => (finish = r));
  const stop = (e: ScanEnd): void => {
    end ??= e;
    finish();
  };
  const settle = (partition: number, next: bigint): void => {
    const p = pending.get(partition);
    if (!p) return;
    p.next = next;
    if (next >= p.end) {
      pending.delete(partition);
      consumer.pause([{ topic: initial.topic, partitions: [partition] }]);
      if (pending.size === 0) stop('done');
    }
  };
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: initial.topic, fromBeginning: true });
    // a batch of only transaction markers or aborted records: no eachBatch call, but the position moved
    consumer.on(consumer.events.END_BATCH_PROCESS, (e: { payload: { partition: number; lastOffset: string; batchSize: number } }) => {
      if (e.payload.batchSize === 0 && end === null) {
        const p = pending.get(e.payload.partition);
        const last = BigInt(e.payload.lastOffset) + 1n;
        if (p && last > p.next) settle(e.payload.partition, last < p.end ? last : p.end);
      }
    });
    consumer.on(consumer.events.CRASH, (e: { payload: { error: unknown } }) => {
      failure = e.payload.error;
      stop('slice');
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async (payload) => {
        const { batch } = payload;
        if (end !== null) return;
        const p = pending.get(batch.partition);
        if (!p) return;
        const inRange = batch.messages.filter((m) => {
          const o = BigInt(m.offset);
          return o >= p.next && o < p.end;
        });
        if (inRange.length === 0) return;
        // chunks small enough that one is paced within about a second: a transaction never waits long
        for (let i = 0; i < inRange.length; i += chunkSize) {
          const part = inRange.slice(i, i + chunkSize);
          const lastOfPart = BigInt(part[part.length - 1]!.offset) + 1n;
          // the batch's last record may be followed only by transaction markers up to the end
          const reachesEnd = lastOfPart >= p.end || (i + chunkSize >= inRange.length && BigInt(batch.lastOffset()) + 1n >= p.end);
          const next = reachesEnd ? p.end : lastOfPart;
          const verdict = await onChunk(
            batch.partition,
            part.map((m) => ({ key: m.key ? m.key.toString() : null, value: m.value ? m.value.toString() : null, timestamp: Number(m.timestamp) })),
            next.toString(),
          );
          await payload.heartbeat();
          if (verdict !== 'go') return stop(verdict);
          settle(batch.partition, next);
          if (end !== null) return;
          if (Date.now() >= deadline) return stop('slice');
        }
      },
    });
    const timer = setInterval(() => {
      if (isLost()) stop('lost');
      else if (Date.now() >= deadline) stop('slice');
    }, 250);
    await finished;
    clearInterval(timer);
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  if (failure) throw failure instanceof Error ? failure : new Error(`the scan consumer crashed: ${JSON.stringify(failure)}`);
  await admin.deleteGroups([groupId]).catch(() => undefined);
  return end ?? 'slice';
};

/**
 * The runner loop of one slot: claim the least recently worked job, work a slice, release it,
 * repeat; sleep when there is nothing to do. Errors (PostgreSQL or the broker away) are logged and
 * retried after a pause: the job's lease runs out and it is resumed from its committed cursor.
 */
export const startRunner = (d: RunnerDeps & { pollMs: number }): { stop: () => Promise<void>; lastTick: () => number } => {
  let stopped = false;
  let tick = Date.now();
  let backoff = d.pollMs;
  const loop = (async () => {
    while (!stopped) {
      tick = Date.now();
      try {
        const job = await claimReplay(d.pool, d.owner, d.leaseMs);
        if (!job) {
          await sleep(d.pollMs);
          continue;
        }
        const ended = await runSlice({ ...d, onProgress: () => (tick = Date.now()) }, job);
        d.log.info({ replayId: job.id, ended }, `replay ${job.id}: slice ${ended}`);
        backoff = d.pollMs;
      } catch (e) {
        d.log.error({ err: e }, 'replay runner: a slice failed; retrying after a pause');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 15_000);
      }
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
    lastTick: () => tick,
  };
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
