import { z } from 'zod';

/**
 * The status of an execution as its log (services/metrics' projection) records it. unknown: ended on
 * a message to a person whose delivery nobody can know (not sent again, not known to have failed).
 */
export const EXECUTION_STATUSES = ['pending', 'processing', 'completed', 'failed', 'unknown', 'retry', 'waiting', 'cancelled'] as const;
export const ExecutionStatus = z.enum(EXECUTION_STATUSES);
export type ExecutionStatus = z.infer<typeof ExecutionStatus>;

/** One step of an execution's timeline, as the execution log keeps it (`actions_executed`). */
export const ActionExecuted = z.object({
  stepId: z.string(),
  type: z.string(),
  /** unknown: a message to a person that may or may not have been delivered (see OUTCOME_UNKNOWN) */
  /** skipped: an enrolled record started past it (its time had passed); dueAt says when it would have run */
  status: z.enum(['succeeded', 'failed', 'retrying', 'unknown', 'skipped']),
  attempt: z.number().int(),
  startedAt: z.string(),
  durationMs: z.number(),
  /** a summary of the step's output (the full output lives on the topic) */
  output: z.record(z.string(), z.unknown()).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  delivery: z.string().optional(),
  dueAt: z.string().optional(),
});
export type ActionExecuted = z.infer<typeof ActionExecuted>;
