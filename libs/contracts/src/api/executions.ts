import { z } from 'zod';
import { ActionExecuted, EXECUTION_STATUSES, ExecutionStatus } from '../execution-log';
import { ReplayMode } from '../history';
import { Id, Timestamp } from './common';

/** GET /api/executions */
export const ExecutionsQuery = z.object({
  workflowId: z.uuid().optional(),
  /** comma-separated */
  status: z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(z.enum(EXECUTION_STATUSES)).max(EXECUTION_STATUSES.length))
    .optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  /** paging: executions that started before this time */
  before: z.iso.datetime({ offset: true }).optional(),
  /** live: started by the live matcher (or by hand); replay: started by a replay (backfill) */
  origin: z.enum(['live', 'replay']).optional(),
  /** the executions one replay started */
  replayId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ExecutionsQuery = z.infer<typeof ExecutionsQuery>;

/** An execution as the list shows it */
export const ExecutionSummary = z.object({
  id: Id,
  workflowId: Id,
  /** null once the workflow is gone */
  workflowName: z.string().nullable(),
  versionId: Id,
  /** null for a test run of a draft (no version row) */
  version: z.number().int().nullable(),
  status: ExecutionStatus,
  triggerType: z.string().nullable(),
  errorMessage: z.string().nullable(),
  retryCount: z.number().int(),
  stepCount: z.number().int(),
  triggeredAt: Timestamp.nullable(),
  startedAt: Timestamp.nullable(),
  completedAt: Timestamp.nullable(),
  executionTimeMs: z.number().int().nullable(),
  testRun: z.boolean(),
  /** the replay (backfill) that started it; null for a live execution */
  replayId: Id.nullable(),
  /** that job's mode: `enroll` marks an enrolled existing record rather than a backfill */
  replayMode: ReplayMode.nullable(),
  updatedAt: Timestamp,
});
export type ExecutionSummary = z.infer<typeof ExecutionSummary>;

export const ExecutionList = z.object({
  items: z.array(ExecutionSummary),
  /** the `before` of the next page; null on the last */
  nextBefore: Timestamp.nullable(),
});
export type ExecutionList = z.infer<typeof ExecutionList>;

/** A side effect of an execution as the executor's delivery ledger records it */
export const ExecutionDelivery = z.object({
  stepKey: z.string(),
  channel: z.string(),
  status: z.string(),
  attempts: z.number().int(),
  providerMessageId: z.string().nullable(),
  error: z.string().nullable(),
  updatedAt: Timestamp,
});
export type ExecutionDelivery = z.infer<typeof ExecutionDelivery>;

/** A wait of the execution that has not fired yet (delay, retry back-off, quiet hours) */
export const PendingTimer = z.object({ id: z.string(), dueAt: Timestamp, reason: z.string().nullable() });
export type PendingTimer = z.infer<typeof PendingTimer>;

/** GET /api/executions/:id */
export const ExecutionDetail = ExecutionSummary.extend({
  triggerData: z.record(z.string(), z.unknown()),
  steps: z.array(ActionExecuted),
  lastSeq: z.number().int(),
  /** the definition it ran (its version's, or the draft's for a test run), secrets as the placeholder */
  definition: z.record(z.string(), z.unknown()).nullable(),
  deliveries: z.array(ExecutionDelivery),
  pendingTimers: z.array(PendingTimer),
});
export type ExecutionDetail = z.infer<typeof ExecutionDetail>;

/** POST /api/executions/:id/retry: the resume command sent, and where it starts from */
export const RetryResult = z.object({
  executionId: Id,
  commandId: z.string(),
  from: z.enum(['last_continuation', 'trigger']),
  cursor: z.string().nullable(),
});
export type RetryResult = z.infer<typeof RetryResult>;

/** POST /api/executions/:id/cancel */
export const CancelResult = z.object({ executionId: Id, commandId: z.string() });
export type CancelResult = z.infer<typeof CancelResult>;
