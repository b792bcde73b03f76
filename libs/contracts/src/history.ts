import { z } from 'zod';
import { Condition } from './condition';
import { TRIGGER_TYPES, TriggerType } from './workflow-definition';

/**
 * Why an event did not start a given workflow: the matcher's decision, replayed by backfills and by
 * "why didn't this fire?" (the one vocabulary of both; `decideStart` in libs/workflow decides).
 */
export const NO_START_REASONS = [
  /** the event belongs to another organization (never shown to it) */
  'other_organization',
  /** the event names another workflow (clock, manual and webhook events name theirs) */
  'other_workflow',
  /** the workflow starts on another trigger type */
  'trigger_type',
  /** the trigger's filter did not hold; `failed` names the field, the operator and the value seen */
  'filter',
  /** the event was caused by an execution too deep in a chain of workflows (loop protection) */
  'loop_depth',
  /** the definition has no trigger node */
  'no_trigger',
] as const;
export const NoStartReason = z.enum(NO_START_REASONS);
export type NoStartReason = z.infer<typeof NoStartReason>;

/** Where a start command comes from when it is not the live matcher: a replay (backfill) job. */
export const StartOrigin = z.object({
  kind: z.literal('replay'),
  replayId: z.uuid(),
  /** a forced re-run: its execution ids derive from the replay id, so they are new and distinct */
  force: z.boolean().default(false),
});
export type StartOrigin = z.infer<typeof StartOrigin>;

/** Replays --------------------------------------------------------------------------------- */

/**
 * dry_run/run read the events log; enroll_dry_run/enroll read the records' current state (enroll
 * existing records: their source is the business tables, not the log). The dry runs only count.
 */
export const REPLAY_MODES = ['dry_run', 'run', 'enroll_dry_run', 'enroll'] as const;
export const ReplayMode = z.enum(REPLAY_MODES);
export type ReplayMode = z.infer<typeof ReplayMode>;
export const isEnrollmentMode = (m: ReplayMode): m is 'enroll_dry_run' | 'enroll' => m === 'enroll' || m === 'enroll_dry_run';
/** The modes that start executions (the others count what they would start). */
export const startsExecutions = (m: ReplayMode): boolean => m === 'run' || m === 'enroll';

export const REPLAY_STATUSES = ['pending', 'running', 'paused', 'completed', 'aborted', 'failed'] as const;
export const ReplayStatus = z.enum(REPLAY_STATUSES);
export type ReplayStatus = z.infer<typeof ReplayStatus>;
export const isFinishedReplay = (s: ReplayStatus): boolean => s === 'completed' || s === 'aborted' || s === 'failed';

/** Most entity ids one replay may name (a longer list is a different job: a filter condition). */
export const MAX_REPLAY_ENTITY_IDS = 1000;
/** Starts per second a replay may ask for; the executor still drains its lane only with spare capacity. */
export const MAX_REPLAY_RATE = 10_000;

/** What a replay narrows the events in its range to, beyond the workflow's own trigger and filter. */
export const ReplayFilters = z
  .object({
    triggerTypes: z.array(TriggerType).min(1).max(TRIGGER_TYPES.length).optional(),
    entityIds: z.array(z.string().min(1).max(200)).min(1).max(MAX_REPLAY_ENTITY_IDS).optional(),
    /** an extra condition in the filter language, over the same scope as a trigger filter */
    condition: Condition.optional(),
  })
  .strict();
export type ReplayFilters = z.infer<typeof ReplayFilters>;

/** Why a matched event started nothing in a replay. */
export const REPLAY_SKIP_REASONS = [
  /** an execution with this id exists (the live matcher, or an earlier replay, started it) */
  'already_executed',
  /** another replay already started it (it may still be waiting in the replay lane) */
  'already_replayed',
  /** once per entity: this replay already enrolled the record from an earlier event */
  'already_enrolled',
  /** enrollment of a clock trigger: the record's occurrence was claimed already (the clock fired it, or an earlier enrollment) */
  'already_claimed',
] as const;
export const ReplaySkipReason = z.enum(REPLAY_SKIP_REASONS);
export type ReplaySkipReason = z.infer<typeof ReplaySkipReason>;

/** Why a scanned event of the organization did not match (the matcher's reasons, then the replay's own filters). */
export const REPLAY_NOT_MATCHED_REASONS = [...NO_START_REASONS, 'trigger_type_filter', 'entity_filter', 'condition_filter'] as const;
export const ReplayNotMatchedReason = z.enum(REPLAY_NOT_MATCHED_REASONS);
export type ReplayNotMatchedReason = z.infer<typeof ReplayNotMatchedReason>;

const count = z.number().int().min(0);
export const ReplayCounts = z.object({
  /** events of the organization in the range that were read */
  scanned: count.default(0),
  /** of those, the events that start the workflow */
  matched: count.default(0),
  /** executions started (a dry run: that would start) */
  started: count.default(0),
  /** messages of the organization that are not a readable event (they went to the dead letters live) */
  unreadable: count.default(0),
  skipped: z.partialRecord(ReplaySkipReason, count).default({}),
  notMatched: z.partialRecord(ReplayNotMatchedReason, count).default({}),
});
export type ReplayCounts = z.infer<typeof ReplayCounts>;

export const emptyReplayCounts = (): ReplayCounts => ({ scanned: 0, matched: 0, started: 0, unreadable: 0, skipped: {}, notMatched: {} });

/** Adds b into a (counts of a chunk into the job's). */
export const addReplayCounts = (a: ReplayCounts, b: ReplayCounts): ReplayCounts => {
  const sum = <K extends string>(x: Partial<Record<K, number>>, y: Partial<Record<K, number>>): Partial<Record<K, number>> => {
    const out: Partial<Record<K, number>> = { ...x };
    for (const [k, v] of Object.entries(y) as [K, number][]) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  return {
    scanned: a.scanned + b.scanned,
    matched: a.matched + b.matched,
    started: a.started + b.started,
    unreadable: a.unreadable + b.unreadable,
    skipped: sum(a.skipped, b.skipped),
    notMatched: sum(a.notMatched, b.notMatched),
  };
};

/** The scan of one partition of the events topic: offsets as decimal strings (Kafka's int64). */
export const ReplayPartitionPlan = z.object({
  partition: z.number().int().min(0),
  /** first offset at or after the range's start */
  start: z.string().regex(/^\d+$/),
  /** first offset at or after the range's end (exclusive) */
  end: z.string().regex(/^\d+$/),
  /** the next offset to read: the cursor, moved with the counts in one transaction */
  next: z.string().regex(/^\d+$/),
});
export type ReplayPartitionPlan = z.infer<typeof ReplayPartitionPlan>;
export const ReplayPlan = z.object({ topic: z.string(), partitions: z.array(ReplayPartitionPlan) });
export type ReplayPlan = z.infer<typeof ReplayPlan>;

/** Records of the planned range read so far, and in all (every organization's: they share the topic). */
export const replayPlanProgress = (plan: ReplayPlan): { read: number; total: number } => {
  let total = 0n;
  let read = 0n;
  for (const p of plan.partitions) {
    total += BigInt(p.end) - BigInt(p.start);
    read += BigInt(p.next) - BigInt(p.start);
  }
  return { read: Number(read), total: Number(total) };
};

/** Enrollment ------------------------------------------------------------------------------ */

/** Trigger types that are about records, so their records can be enrolled (the others have none). */
export const ENROLLABLE_TRIGGER_TYPES = [
  'job_created',
  'job_status_changed',
  'job_completed',
  'job_overdue',
  'invoice_created',
  'invoice_sent',
  'invoice_paid',
  'invoice_overdue',
  'client_created',
  'client_updated',
  'client_inactive',
  'estimate_created',
  'estimate_sent',
  'estimate_accepted',
  'estimate_declined',
] as const satisfies readonly TriggerType[];
export const isEnrollableTrigger = (t: TriggerType): boolean => (ENROLLABLE_TRIGGER_TYPES as readonly string[]).includes(t);

/**
 * Where an enrollment scan is: records are read in id order, `cursor` is the last id read (moved with
 * the counts in one transaction), `total` the records that met the trigger when the job was planned.
 */
export const EnrollPlan = z.object({ table: z.string(), cursor: z.string().nullable(), total: z.number().int().min(0), done: z.boolean() });
export type EnrollPlan = z.infer<typeof EnrollPlan>;

/**
 * An enrolled record's start: it runs on a virtual clock that begins at `asOf` (when the record met
 * the trigger), so it starts at the step it would be at by now (see placeEnrollment in libs/engine).
 */
export const StartEnrollment = z.object({ asOf: z.iso.datetime({ offset: true }) });
export type StartEnrollment = z.infer<typeof StartEnrollment>;
