import { isOutcomeUnknown, type ActionExecuted, type ExecutionStatus, type StepResult } from '@fixlify/contracts';

// the log's step and status are the contract's: the API answers them as they are stored
export type { ActionExecuted, ExecutionStatus };

export interface ExecutionLogRow {
  id: string;
  organizationId: string;
  workflowId: string;
  versionId: string;
  status: ExecutionStatus;
  triggerType: string | null;
  triggerData: Record<string, unknown>;
  actionsExecuted: ActionExecuted[];
  errorMessage: string | null;
  retryCount: number;
  lastSeq: number;
  triggeredAt: string | null;
  /** the replay (backfill) that started the execution; null for live */
  replayId: string | null;
  startedAt: string | null;
  completedAt: string | null;
  executionTimeMs: number | null;
  createdAt: string;
  updatedAt: string;
}

const MAX_OUTPUT_CHARS = 2000;

/** Output summaries stay small: the full output lives on the topic. */
export const summarize = (output: Record<string, unknown>): Record<string, unknown> => {
  const text = JSON.stringify(output);
  if (text.length <= MAX_OUTPUT_CHARS) return output;
  return { summary: `${text.slice(0, MAX_OUTPUT_CHARS)}…`, truncated: true };
};

export const emptyLog = (r: StepResult): ExecutionLogRow => ({
  id: r.executionId,
  organizationId: r.organizationId,
  workflowId: r.workflowId,
  versionId: r.versionId,
  status: 'pending',
  triggerType: null,
  triggerData: {},
  actionsExecuted: [],
  errorMessage: null,
  retryCount: 0,
  lastSeq: -1,
  triggeredAt: null,
  replayId: null,
  startedAt: null,
  completedAt: null,
  executionTimeMs: null,
  createdAt: r.at,
  updatedAt: r.at,
});

const TERMINAL: ReadonlySet<ExecutionStatus> = new Set(['completed', 'failed', 'unknown', 'cancelled']);

/**
 * Folds one step result into an execution log. Pure and deterministic (times come from the
 * results, not the clock), so replaying the topic rebuilds the same rows. A result at or below
 * `lastSeq` was applied already and changes nothing (the same row is returned).
 */
export const applyStepResult = (log: ExecutionLogRow, r: StepResult): ExecutionLogRow => {
  const next: ExecutionLogRow = { ...log, actionsExecuted: [...log.actionsExecuted] };
  return foldIntoLog(next, r) ? next : log;
};

/**
 * The same fold IN PLACE, returning whether the result changed the row: for a batch that owns its
 * rows (read from the database for this batch) and would otherwise copy them once per result.
 */
export const foldIntoLog = (log: ExecutionLogRow, r: StepResult): boolean => {
  if (r.seq <= log.lastSeq && r.kind !== 'execution_cancelled') return false;
  const terminal = TERMINAL.has(log.status);
  if (r.kind === 'execution_cancelled' && terminal) return false;
  log.lastSeq = Math.max(log.lastSeq, r.seq);
  log.updatedAt = r.at;
  switch (r.kind) {
    case 'execution_started':
      if (!terminal) log.status = 'processing';
      log.triggerType = r.triggerType;
      log.triggerData = r.triggerData;
      log.triggeredAt = r.triggeredAt;
      log.replayId = r.replayId ?? null;
      log.startedAt = r.at;
      // createdAt stays the first result's time: it is the partition key of the stored row (weekly partitions)
      return true;
    case 'step_succeeded':
      if (!terminal) log.status = 'processing';
      log.actionsExecuted.push({
        stepId: r.stepId,
        type: r.stepType,
        status: 'succeeded',
        attempt: r.attempt,
        startedAt: r.startedAt,
        durationMs: r.durationMs,
        output: summarize(r.output),
        delivery: r.delivery,
      });
      return true;
    case 'step_failed':
      log.actionsExecuted.push({
        stepId: r.stepId,
        type: r.stepType,
        status: r.retryAt ? 'retrying' : isOutcomeUnknown(r.error) ? 'unknown' : 'failed',
        attempt: r.attempt,
        startedAt: r.startedAt,
        durationMs: r.durationMs,
        error: { code: r.error.code, message: r.error.message },
      });
      log.errorMessage = r.error.message;
      if (r.retryAt) {
        log.retryCount++;
        if (!terminal) log.status = 'retry';
      }
      return true;
    case 'step_skipped':
      // an enrolled record started past it: on the timeline, never run
      log.actionsExecuted.push({ stepId: r.stepId, type: r.stepType, status: 'skipped', attempt: 0, startedAt: r.at, durationMs: 0, dueAt: r.dueAt });
      return true;
    case 'execution_waiting':
      if (!terminal && log.status !== 'retry') log.status = 'waiting';
      return true;
    case 'execution_completed':
      log.status = 'completed';
      log.completedAt = r.at;
      log.executionTimeMs = Math.round(r.durationMs);
      log.errorMessage = null;
      return true;
    case 'execution_failed':
      log.status = isOutcomeUnknown(r.error) ? 'unknown' : 'failed';
      log.completedAt = r.at;
      log.executionTimeMs = Math.round(r.durationMs);
      log.errorMessage = r.error.message;
      return true;
    case 'execution_cancelled':
      log.status = 'cancelled';
      log.completedAt = r.at;
      log.errorMessage = r.reason;
      return true;
  }
};
