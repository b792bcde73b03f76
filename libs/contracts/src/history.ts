import { z } from 'zod';

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
